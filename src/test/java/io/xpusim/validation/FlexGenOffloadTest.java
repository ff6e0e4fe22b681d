package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's offloading check, the shape of FlexGen's published result (Sheng et al., ICML'23, Table 2; FlexGen
 * benchmark/batch_size_table.md): OPT-30B on one 16 GB T4 of a GCP n1-highmem-32, 512-token prompts, 32 output tokens
 * (scenarios/study/flexgen-opt30b-t4.yaml). GPU-only does not fit; with the weights in host DRAM (90% streamed every
 * iteration) and decode attention on the CPU throughput rises with the batch. Published: FlexGen 7.32 tokens/s at an
 * effective batch of 144; DeepSpeed ZeRO-Inference (all weights streamed, KV on the GPU) 0.60 tokens/s at batch 4.
 */
class FlexGenOffloadTest {
    private static final Path STUDY = Path.of("scenarios/study/flexgen-opt30b-t4.yaml");
    /** OPT-30B fp16 weights, by hand: 48 layers × 616,655,872 + 375,044,096 non-layer parameters, × 2 B. */
    private static final double WEIGHTS = (48 * 616_655_872.0 + 375_044_096.0) * 2;
    /** Host → device over PCIe Gen3 x16: 15.75 GB/s × 0.83 (pinned), below the host memory's 64 GB/s. */
    private static final double H2D = 15.75e9 * 0.83;
    /** The T4's achieved fp16 GEMM rate at ≥ 16k rows: 65 TFLOP/s × 0.37 × rows / (rows + 102). */
    private static final double T4_GEMM = 65e12 * 0.37;
    /** Host attention on the VM's 16 cores: 2.048 TFLOP/s fp32 × 0.006 (FlexGen's own fitted 12.3 GFLOP/s). */
    private static final double CPU_ATTENTION = 2.048e12 * 0.006;

    private static RunResult run(String... overrides) {
        return ScenarioRunner.simulate(ScenarioLoader.load(STUDY, List.of(overrides)), RunLimits.NONE, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    private static double throughput(RunResult r) {
        return (Double) metrics(r).get("throughput_output_tokens_per_s");
    }

    @Test
    void gpuOnlyDoesNotFit() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(STUDY,
                List.of("strategy.offload=")));
        assertTrue(e.getMessage().contains("opt-30b weights need 55.8 GiB per device at tp=1; t4 has 15.0 GiB"),
                e.getMessage());
        assertTrue(e.hint().contains("strategy.offload: { weights: cpu }"), e.hint());
    }

    @Test
    void impossibleOffloadsAreLocatedErrors() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(STUDY,
                List.of("strategy.offload.weights=none")));
        assertTrue(e.userMessage().contains("weights-on-gpu' applies only to streamed weights"), e.userMessage());
        ScenarioException typo = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(STUDY,
                List.of("strategy.offload.atention=cpu")));
        assertTrue(typo.userMessage().contains("did you mean 'attention'"), typo.userMessage());
        ScenarioException spec = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(STUDY,
                List.of("strategy.speculative.draft=opt-13b", "strategy.speculative.tokens=4",
                        "strategy.speculative.acceptance=0.7")));
        assertTrue(spec.getMessage().contains("not supported yet") || spec.getMessage().contains("fit"), spec.getMessage());
    }

    @Test
    void batch144WithWeightsAndAttentionOnTheHost() {
        RunResult r = run();
        Map<String, Object> m = metrics(r);
        assertEquals(144L * 32, m.get("output_tokens_completed"), "offload never changes the tokens produced");
        // every iteration streams the non-resident 90% exactly once: 5 prefill iterations (32 prompts each, the last
        // 16) and 31 decode steps
        assertEquals(36 * 0.9 * WEIGHTS, (Double) m.get("offload_weight_bytes_streamed"), 1e-6 * WEIGHTS);
        // prefill: compute-bound (a 4.1 s stream per iteration hides under ~41 s of GEMMs): 144 × 512 tokens × 2 ×
        // 616.7 M × 48 FLOPs at the T4's GEMM rate, plus causal attention at 65 × 0.15 TFLOP/s
        double gemm = 144 * 512 * 2 * 616_655_872.0 * 48;
        double prefill = 4 * gemm / 144 * 32 / (T4_GEMM * 16384 / 16486) + gemm / 144 * 16 / (T4_GEMM * 8192 / 8294)
                + 144 * 4 * 7168.0 * (512 * 513 / 2.0) * 48 / (65e12 * 0.15);
        // decode: host attention is the slowest stream (8.5 s of FLOPs against a 4.1 s weight stream and 1.6 s of KV
        // reads): 4 × 7168 × 144 sequences × context × 48 layers at 12.3 GFLOP/s, then one layer of GPU compute as the
        // pipeline fill, then rank 0's serial overheads (1 ms + 144 × 0.25 ms) / speed 1.03
        double decode = 0;
        for (int j = 1; j <= 31; j++) {
            decode += 4 * 7168.0 * 144 * (512 + j + 1) * 48 / CPU_ATTENTION + (1e-3 + 144 * 0.25e-3) / 1.03;
        }
        double hand = prefill + decode;
        double simulated = (Double) r.summary().get("simulated_time_s");
        assertEquals(hand, simulated, 0.04 * hand, "hand " + hand + " s vs simulated " + simulated + " s");
        // FlexGen measured 7.32 tokens/s; predicted about 10.1 (+38%): the remaining gap is FlexGen's per-layer
        // serialisation of weight loading and compute in decode (its own cost model: T_gen = ctog + max(…))
        double ratio = throughput(r) / 7.32;
        assertTrue(ratio > 1.0 && ratio < 1.6, "predicted " + throughput(r) + " tokens/s vs FlexGen 7.32");
        double stall = (Double) m.get("offload_stall_s");
        assertTrue(stall > 0.4 * simulated && stall < simulated, "decode waits on the host: " + stall);
        double cpu = (Double) m.get("host_cpu_utilisation");
        assertTrue(cpu > 0.3 && cpu <= 1, "the host's cores compute attention: " + cpu);
    }

    @Test
    void throughputRisesWithTheBatch() {
        List<Double> t = new ArrayList<>();
        for (int b : new int[] {8, 32, 144}) {
            t.add(throughput(run("workload.requests=" + b, "strategy.scheduler.max-seqs=" + b)));
        }
        assertTrue(t.get(0) < t.get(1) && t.get(1) < t.get(2), "rises with the batch: " + t);
        assertTrue(t.get(2) > 4 * t.get(0), "a large batch amortises the weight stream: " + t);
    }

    @Test
    void deepSpeedStyleAllWeightsStreamedAtBatch4() {
        RunResult r = run("workload.requests=4", "strategy.scheduler.max-seqs=4", "strategy.offload.attention=none",
                "strategy.offload.weights-on-gpu=0");
        // every one of the 32 iterations (one prefill, 31 decode steps) is bound by streaming all 59.9 GB
        double hand = 32 * WEIGHTS / H2D;
        double simulated = (Double) r.summary().get("simulated_time_s");
        assertEquals(hand, simulated, 0.02 * hand, "hand " + hand + " s vs simulated " + simulated + " s");
        // DeepSpeed ZeRO-Inference measured 0.60 tokens/s; predicted about 0.87 (+44%)
        double ratio = throughput(r) / 0.60;
        assertTrue(ratio > 1.0 && ratio < 1.7, "predicted " + throughput(r) + " tokens/s vs DeepSpeed 0.60");
    }
}
