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
 * Issue 6's in-storage attention study (scenarios/study/instinfer-opt13b-a6000-smartssd.yaml), InstInfer's setting
 * (Pan et al., arXiv 2409.04992: a 13B model on one NVIDIA A6000, KV cache and decode attention in computational
 * storage drives): OPT-13B fp16, 64 sequences of 1,536 + 512 tokens, on one RTX A6000 with N Samsung SmartSSDs.
 *
 * <p>Decode attention of a multi-head model reads every cached byte once per token at ~1 FLOP/B, so wherever the KV
 * lives, decode throughput is that memory's bandwidth over the KV a token reads: B / (mean context × 819,200 B). The
 * bands below are that arithmetic: N drives × 3.2 GB/s internal flash bandwidth for csd, the socket's DDR4 (204.8 GB/s
 * × 0.72 = 147 GB/s) for cpu, and the prefill (compute-bound, ~24 s, the same for both) added on top.
 */
class InstInferStudyTest {
    private static final Path STUDY = Path.of("scenarios/study/instinfer-opt13b-a6000-smartssd.yaml");
    private static final double KV_PER_TOKEN = 2 * 40 * 40 * 128 * 2.0;
    /** Mean context a decode step reads: 1,536 + (1 … 511), the first token coming from the prefill. */
    private static final double CONTEXT = 1536 + 256;
    private static final double DRIVE_INTERNAL = 3.2e9;
    private static final double HOST_DRAM = 204.8e9 * 0.72;

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

    /** Decode tokens/s when {@code bytesPerSecond} reads all the KV: the bandwidth arithmetic. */
    private static double bound(double bytesPerSecond) {
        return bytesPerSecond / (CONTEXT * KV_PER_TOKEN);
    }

    @Test
    void inStorageAttentionIsBoundByTheDrivesInternalBandwidth() {
        RunResult csd = run();
        Map<String, Object> m = metrics(csd);
        assertEquals(64L * 512, m.get("output_tokens_completed"));
        assertEquals(0L, m.get("requests_dropped"));
        // 4 × 3.2 GB/s over 1.47 GB of KV per token: 8.72 tokens/s while decoding; the prefill adds < 1% of the run
        double four = throughput(csd);
        assertTrue(four > 0.97 * bound(4 * DRIVE_INTERNAL) && four <= bound(4 * DRIVE_INTERNAL),
                "csd ×4: " + four + " tokens/s vs the flash bound " + bound(4 * DRIVE_INTERNAL));
        // every decode step reads all 64 sequences' KV from the flash and nothing else crosses back over PCIe
        @SuppressWarnings("unchecked")
        Map<String, Object> kv = ((List<Map<String, Object>>) m.get("memory_tiers")).stream()
                .filter(t -> t.get("tier").equals("csd")).findFirst().orElseThrow();
        double read = 64 * (511 * 1536 + 511 * 512 / 2.0) * KV_PER_TOKEN;
        assertEquals(read, (Double) kv.get("read_bytes"), 1e-9 * read);
        double written = 64 * 1536 * KV_PER_TOKEN + 64.0 * 511 * 40 * 2 * 5120 * 2;
        assertEquals(written, (Double) kv.get("write_bytes"), 1e-9 * written);
        assertEquals(written + 64.0 * 511 * 40 * 5120 * 2, (Double) m.get("offload_d2h_bytes"), 1e-9 * written);
        assertTrue((Double) kv.get("peak_bytes") <= (Double) kv.get("capacity_bytes"), "the flash holds the KV");
        assertTrue((Double) m.get("device_utilisation") <= 1 && (Double) m.get("device_utilisation") < 0.02,
                "the GPU idles while the drives attend: " + m.get("device_utilisation"));

        // twice the drives, twice the internal bandwidth, twice the throughput
        double eight = throughput(run("cluster.nodes.0.tiers.0.count=8"));
        assertTrue(eight / four > 1.95 && eight / four < 2.02, "×8 / ×4 drives: " + eight / four);
    }

    @Test
    void hostDramAndTheGpuBeatFourSmartSsds() {
        double csd = throughput(run());
        RunResult cpu = run("strategy.offload.attention=cpu");
        RunResult gpu = run("strategy.offload=");
        double host = throughput(cpu);
        double gpuOnly = throughput(gpu);
        assertEquals(64L * 512, metrics(cpu).get("output_tokens_completed"));
        assertEquals(64L * 512, metrics(gpu).get("output_tokens_completed"), "offload never changes the tokens");
        // host DRAM at 147 GB/s: 100 tokens/s while decoding; its ~24 s of prefill take ~7% of the run
        assertTrue(host > 0.85 * bound(HOST_DRAM) && host <= bound(HOST_DRAM),
                "cpu: " + host + " vs the DRAM bound " + bound(HOST_DRAM));
        // the ratio is the bandwidth ratio, 147.5 / 12.8 = 11.5, less the shared prefill
        assertTrue(host / csd > 0.85 * HOST_DRAM / (4 * DRIVE_INTERNAL) && host / csd < HOST_DRAM / (4 * DRIVE_INTERNAL),
                "cpu / csd: " + host / csd);
        // GPU-only holds ~10 sequences' KV beside the weights, but reads it at 576 GB/s: fastest per token
        assertTrue(gpuOnly > host, "GPU-only " + gpuOnly + " vs cpu " + host);
        assertTrue((Long) metrics(gpu).get("preemptions") > 0, "GPU-only runs out of KV blocks");
    }
}
