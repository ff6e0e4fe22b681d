package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.GoodputRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #5's DistServe ratio check (scenarios/study/distserve-opt13b-a100.yaml): OPT-13B on three A100s of a DGX,
 * DistServe's engine (runtime preset distserve, fitted to its released OPT-13B latency profile), goodput = the highest
 * Poisson rate at which 90% of requests meet TTFT ≤ 200 ms and TPOT ≤ 100 ms. 2 prefill + 1 decode replica (DistServe's
 * 2P+1D) against 3 colocated vLLM-style replicas behind least-outstanding, on the same engine.
 *
 * <p>DistServe (../shared/reference/serving.md §A2.5) reports, for its motivating example (OPT-13B, one A100 per
 * replica, a synthetic workload), 2P+1D ≈ 3.3 req/s per GPU against 1.6 colocated: 2.06×. The simulator does not
 * reproduce that for the ShareGPT-like mix (755 / 200 tokens): the one decode GPU runs out first. Its step costs
 * 4.8 ms + 15.4 ms of weight reads + ~0.48 ms per sequence at these contexts, so near 100 ms per token it holds ~150
 * sequences, ≈ 7 req/s of 200-token outputs, while each colocated GPU, whose prompts stall 200-token decodes only
 * briefly against a 100 ms TPOT budget, sustains ≈ 3.5–4 req/s. With the paper's motivating lengths (512 / 64, here
 * lognormal with cv 0.001) decode is light, the two prefill GPUs bind, and disaggregation moves ahead, slightly.
 * Measured when written: ShareGPT-like 7.03 vs 11.62 req/s (0.61×); 512/64 24.75 vs 22.12 req/s (1.12×).
 * Asserted: the bands of the estimate above, [0.5, 0.75] and [1.0, 1.3] — what the physics gives, not the paper's ratio.
 */
class DistServeGoodputRatioTest {
    private static final Path STUDY = Path.of("scenarios/study/distserve-opt13b-a100.yaml");
    private static final List<String> COLOCATED = List.of("strategy.disaggregation=");
    private static final List<String> MOTIVATING = List.of("workload.input-tokens.mean=512", "workload.input-tokens.cv=0.001",
            "workload.output-tokens.mean=64", "workload.output-tokens.cv=0.001");

    private static double goodput(List<String> overrides) {
        return new GoodputRunner(STUDY, overrides).search(0.5, 100, 0.02, p -> { }).goodput();
    }

    private static List<String> both(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void shareGptLikeMixFavoursColocationBecauseTheOneDecodeGpuBindsFirst() {
        double disaggregated = goodput(List.of());
        double colocated = goodput(COLOCATED);
        double ratio = disaggregated / colocated;
        assertTrue(ratio > 0.5 && ratio < 0.75, "2P+1D " + disaggregated + " vs colocated " + colocated + " req/s: " + ratio);
    }

    @Test
    void prefillHeavyMotivatingMixFavoursDisaggregationSlightly() {
        double disaggregated = goodput(MOTIVATING);
        double colocated = goodput(both(MOTIVATING, COLOCATED));
        double ratio = disaggregated / colocated;
        assertTrue(ratio > 1.0 && ratio < 1.3, "2P+1D " + disaggregated + " vs colocated " + colocated + " req/s: " + ratio);
    }
}
