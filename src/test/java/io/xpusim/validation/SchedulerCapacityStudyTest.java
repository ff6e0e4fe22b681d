package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.GoodputRunner;
import io.xpusim.experiment.GoodputSearch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #5's ratio study, directionally and within a stated band: under a strict TPOT SLO, Sarathi-Serve's
 * stall-free chunked prefill sustains more requests per second than vLLM v0's prompt-first batching on the
 * same GPU (scenarios/study/sarathi-vs-vllm-strict-tpot.yaml). Measured when written: sarathi (2048-token
 * budget) 9.84 req/s vs vllm 8.59 req/s, +15%. The Sarathi-Serve paper (shared/reference/serving.md §A2.6)
 * reports 2.6× for Mistral-7B on one A100, but against a P99 time-between-tokens SLO (every token's gap), which
 * a single prefill stall breaks, whereas this study's TPOT is each request's mean gap; and its runtime has far
 * less host time per iteration than the calibrated eager one here. So only the direction and a band of +5% to
 * +40% are asserted; the per-token TBT metric is not recorded yet.
 */
class SchedulerCapacityStudyTest {
    private static final Path STUDY = Path.of("scenarios/study/sarathi-vs-vllm-strict-tpot.yaml");

    private static double goodput(List<String> overrides) {
        return new GoodputRunner(STUDY, overrides).search(1, 40, 0.02, p -> { }).goodput();
    }

    @Test
    void sarathiSustainsMoreLoadThanVllmUnderAStrictTpotSlo() {
        double sarathi = goodput(List.of());
        double vllm = goodput(List.of("strategy.scheduler.policy=vllm", "strategy.scheduler.max-batched-tokens=8192"));
        double gain = sarathi / vllm - 1;
        assertTrue(gain > 0.05 && gain < 0.40, "sarathi " + sarathi + " req/s vs vllm " + vllm + " req/s: " + gain);
    }
}
