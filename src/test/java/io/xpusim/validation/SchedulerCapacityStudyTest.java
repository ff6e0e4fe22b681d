package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.GoodputRunner;
import io.xpusim.experiment.GoodputSearch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #5's ratio study, directionally and within a stated band: under a strict P99 time-between-tokens SLO,
 * Sarathi-Serve's stall-free chunked prefill sustains more requests per second than vLLM v0's prompt-first
 * batching on the same GPU (scenarios/study/sarathi-vs-vllm-strict-tbt.yaml: Llama-3-8B, one H100, TBT p99 ≤
 * 150 ms, TTFT p90 ≤ 2 s). Measured when written: sarathi (2,048-token budget) 12.19 req/s vs vllm 7.50 req/s,
 * +63%; since the host runtime's overheads scale with the host CPU's single-thread speed (the DGX H100's Xeon 8480+
 * at 1.56× the Zen 2 core they were calibrated on), 16.25 vs 12.96 req/s, +25%: vLLM's stalls were mostly the
 * 20 ms prefill overhead and per-sequence host time, which the faster host shortens for both policies.
 * Sarathi-Serve (shared/reference/serving.md §A2.6) reports 2.6× for Mistral-7B on one A100 under its
 * strict P99 TBT SLO with a runtime that spends far less host time per iteration than the calibrated eager one
 * here, which dilutes the stalls chunking removes. Asserted: a gain between +10% and +120%.
 */
class SchedulerCapacityStudyTest {
    private static final Path STUDY = Path.of("scenarios/study/sarathi-vs-vllm-strict-tbt.yaml");

    private static double goodput(List<String> overrides) {
        return new GoodputRunner(STUDY, overrides).search(1, 40, 0.02, p -> { }).goodput();
    }

    @Test
    void sarathiSustainsMoreLoadThanVllmUnderAStrictTpotSlo() {
        double sarathi = goodput(List.of());
        double vllm = goodput(List.of("strategy.scheduler.policy=vllm", "strategy.scheduler.max-batched-tokens=8192"));
        double gain = sarathi / vllm - 1;
        assertTrue(gain > 0.10 && gain < 1.20, "sarathi " + sarathi + " req/s vs vllm " + vllm + " req/s: " + gain);
    }
}
