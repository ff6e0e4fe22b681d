package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue #6's KV-offload study (scenarios/study/kv-offload-llama3-70b-dgx-h100.yaml: Llama-3-70B, TP8 on a DGX H100
 * with 4 CZ120 CXL cards, Azure conversation trace 4× faster, vLLM with max-seqs 2048 and watermark 0, so decodes
 * preempt): HBM only (recompute) vs swapping to host DRAM vs swapping to CXL.
 *
 * <p>The bandwidth arithmetic the bands come from. A swap moves a request's KV (320 KiB per token for Llama-3-70B,
 * 40 KiB per GPU) from all 8 GPUs at once, each over its own PCIe Gen5 x16 port (63 GB/s × 0.87 = 54.8 GB/s):
 * <ul>
 * <li>to host DRAM, each socket's four GPUs (4 × 54.8 = 219 GB/s) share that socket's DDR5 (307.2 GB/s × 0.61 =
 *     187.4 GB/s): the DRAM binds, 2 × 187.4 = 374.8 GB/s for the node;</li>
 * <li>to CXL, each socket's four GPUs share its two CZ120 cards, whose x8 links carry 31.5 × 0.85 = 26.8 GB/s one way
 *     (the card's 36 GB/s needs reads and writes at once): 4 × 26.8 = 107.1 GB/s for the node, 3.5× slower.</li>
 * </ul>
 * So the stall is the bytes swapped out and in over those rates; CXL's extra stall, spread over the run, is its
 * throughput loss against DRAM; and either beats recomputing, which re-prefills ~1,200-token contexts at
 * 2·70 GFLOP per token (≈ 20 µs per token on 8 H100s, plus the prefill overhead per iteration: 20 ms on the reference
 * core, 12.8 ms on the DGX's Xeon 8480+) where a swap costs 0.9 µs (DRAM) to 3 µs (CXL) per token.
 */
class KvOffloadStudyTest {
    private static final Path STUDY = Path.of("scenarios/study/kv-offload-llama3-70b-dgx-h100.yaml");
    private static final double DRAM_NODE_BYTES_PER_S = 2 * 307.2e9 * 0.61;
    private static final double CXL_NODE_BYTES_PER_S = 4 * 31.5e9 * 0.85;

    private static Map<String, Object> run(String... overrides) {
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(STUDY, List.of(overrides)), RunLimits.NONE, null);
        assertTrue(r.complete());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        return m;
    }

    private static double d(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    @Test
    void swappingBeatsRecomputeAndTheStallIsTheBytesOverTheTierBandwidth() {
        Map<String, Object> hbm = run("strategy.scheduler.preemption=recompute", "strategy.kv-offload=");
        Map<String, Object> cpu = run();
        Map<String, Object> cxl = run("strategy.kv-offload.tiers=[cxl]");

        // offload never changes what is produced
        assertEquals(hbm.get("output_tokens_completed"), cpu.get("output_tokens_completed"));
        assertEquals(hbm.get("output_tokens_completed"), cxl.get("output_tokens_completed"));
        assertEquals(hbm.get("requests_completed"), cxl.get("requests_completed"));
        assertTrue(d(hbm, "preemptions") > 100, "the study must preempt: " + hbm.get("preemptions"));
        assertEquals(0, d(cpu, "kv_swap_recompute_fallbacks"));

        for (var e : Map.of(cpu, DRAM_NODE_BYTES_PER_S, cxl, CXL_NODE_BYTES_PER_S).entrySet()) {
            Map<String, Object> m = e.getKey();
            double moved = d(m, "kv_swapped_out_bytes") + d(m, "kv_swapped_in_bytes");
            assertEquals(d(m, "kv_swapped_out_bytes"), d(m, "kv_swapped_in_bytes"), 1, "all swapped KV came back");
            assertEquals(moved / e.getValue(), d(m, "offload_stall_kv_swap_s"), 0.02 * d(m, "offload_stall_kv_swap_s"),
                    "stall = bytes / node bandwidth of the tier");
            assertEquals(d(m, "offload_stall_kv_swap_s"), d(m, "offload_stall_s"), 1e-12, "nothing else is offloaded");
        }
        double cpuThroughput = d(cpu, "throughput_output_tokens_per_s");
        double cxlThroughput = d(cxl, "throughput_output_tokens_per_s");
        double hbmThroughput = d(hbm, "throughput_output_tokens_per_s");
        assertTrue(cpuThroughput > hbmThroughput && cxlThroughput > hbmThroughput, "swap beats recompute");
        assertTrue(d(cpu, "mean_batch_size") > d(hbm, "mean_batch_size"), "fewer re-prefill iterations");
        // CXL loses to DRAM by its extra stall over the run (same decisions: the swaps are identical)
        assertEquals(d(cpu, "kv_swap_outs"), d(cxl, "kv_swap_outs"));
        double seconds = d(cxl, "output_tokens_completed") / cxlThroughput;
        double predicted = (d(cxl, "offload_stall_kv_swap_s") - d(cpu, "offload_stall_kv_swap_s")) / seconds;
        double measured = 1 - cxlThroughput / cpuThroughput;
        assertEquals(predicted, measured, 0.25 * predicted, "CXL's loss vs DRAM is its extra stall");
    }

    @Test
    void aSmallDramTierDemotesItsOldestToCxlAndEveryInvariantHolds() {
        Map<String, Object> m = run("strategy.kv-offload.tiers=[cpu, cxl]", "strategy.kv-offload.capacity.cpu=1GiB",
                "strategy.kv-offload.policy=lru", "workload.requests=2000");
        assertTrue(d(m, "kv_demotions") > 0, "1 GiB of DRAM overflows into CXL: " + m.get("kv_demotions"));
        assertEquals(d(m, "kv_swapped_out_bytes"), d(m, "kv_swapped_in_bytes"), 1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> tiers = (List<Map<String, Object>>) m.get("memory_tiers");
        Map<String, Object> cpu = tiers.get(1);
        Map<String, Object> cxl = tiers.get(2);
        assertEquals("cpu", cpu.get("tier"));
        assertTrue(d(cpu, "peak_bytes") <= 1.0 * (1L << 30) * (1 + 1e-9), "the DRAM tier's KV space is 1 GiB");
        // every byte written into a tier is read out again by the end (demoted, or swapped back in)
        assertEquals(d(cpu, "write_bytes"), d(cpu, "read_bytes"), 1);
        assertEquals(d(cxl, "write_bytes"), d(cxl, "read_bytes"), 1);
        // CXL takes demoted KV, and new KV directly when DRAM cannot make room this iteration (lru's first-fit fallback)
        assertTrue(d(cxl, "write_bytes") >= d(m, "kv_demoted_bytes") && d(m, "kv_demoted_bytes") > 0);
    }
}
