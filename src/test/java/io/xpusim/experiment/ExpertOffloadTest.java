package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expert offloading end to end, against hand-computed expectations (scenarios/study/mixtral-offload-l4.yaml). */
class ExpertOffloadTest {
    private static final Path L4 = Path.of("scenarios/study/mixtral-offload-l4.yaml");
    /** Host overheads off: iteration time is device time, transfers and stalls only. */
    private static final List<String> NO_HOST = List.of("strategy.runtime.framework-overhead-per-kernel=0us",
            "strategy.runtime.iteration-overhead=0ms", "strategy.runtime.per-sequence-overhead=0us",
            "strategy.runtime.prefill-overhead=0ms");
    /** One expert of Mixtral: 3 × 4096 × 14336 parameters. */
    private static final double EXPERT_PARAMS = 3.0 * 4096 * 14336;

    private static RunResult run(Path file, List<String> base, String... more) {
        List<String> o = new ArrayList<>(base);
        o.addAll(List.of(more));
        return MoeServingStudyTest.run(file, o.toArray(String[]::new));
    }

    private static Map<String, Object> metrics(RunResult r) {
        return MoeServingStudyTest.metrics(r);
    }

    private static Map<String, Object> moe(RunResult r) {
        return MoeServingStudyTest.moe(r);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> offload(RunResult r) {
        return (Map<String, Object>) moe(r).get("expert_offload");
    }

    private static double tpotP50(RunResult r) {
        return ((Number) ((Map<?, ?>) metrics(r).get("tpot_s")).get("p50")).doubleValue();
    }

    private static long n(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    @Test
    void aCacheOfEveryExpertNeverMissesAndRunsAsFastAsResidentExperts() {
        // FP8 Mixtral (46.7 GB) on one H100: the whole model fits, so a cache of all 8 experts per layer is possible.
        // The cache starts filled with the most popular experts (no cold misses), so it never misses, moves nothing
        // and stalls never; every iteration takes the resident execution's time (same operators, layer by layer).
        List<String> h100 = new ArrayList<>(NO_HOST);
        h100.addAll(List.of("cluster.nodes=[{template: dgx-h100, count: 1}]", "strategy.precision.weights=fp8",
                "strategy.moe.routing.skew=1"));
        for (String policy : List.of("lru", "lfu")) {
            RunResult full = run(L4, h100, "strategy.moe.offload.cache.experts-per-layer=8",
                    "strategy.moe.offload.cache.policy=" + policy);
            Map<String, Object> o = offload(full);
            assertEquals(1.0, (Double) moe(full).get("expert_cache_hit_rate"), 0.0);
            assertEquals(n(o, "accesses"), n(o, "hits"));
            assertEquals(0.0, (Double) moe(full).get("expert_stall_s"), 1e-6); // picosecond rounding of activities only
            assertEquals(0.0, (Double) o.get("tier_read_bytes"), 0.0);
            RunResult resident = run(L4, h100, "strategy.moe.offload=");
            assertEquals(tpotP50(resident), tpotP50(full), 1e-6 * tpotP50(resident), policy);
        }
    }

    @Test
    void aZeroCacheWithPerfectPrefetchIsBoundByTheHostLink() {
        // One-token prompts: every iteration routes one token, 2 experts per layer. Cache 0, accuracy 1: layer 0's two
        // experts are fetched on demand, every later layer's two were prefetched during the layer before. A fetch of
        // one expert takes t = 352,321,536 B / (31.5 GB/s × 0.83) + (2 µs PCIe + 110 ns DRAM) = 13.478 ms, a layer's
        // T = 2t = 26.96 ms, against C ≈ 3 ms of compute: the link never idles, each layer stalls by T − C and the
        // iteration takes 32 T plus the first layer's dense share and the last expert's compute (< 3 ms).
        RunResult r = run(L4, NO_HOST, "workload.input-tokens.tokens=1", "strategy.moe.offload.cache.experts-per-layer=0",
                "strategy.moe.offload.prefetch.accuracy=1");
        double t = EXPERT_PARAMS * 2 / (31.5e9 * 0.83) + 2.11e-6;
        double layers = 32;
        double tpot = tpotP50(r);
        assertTrue(tpot >= layers * 2 * t && tpot < layers * 2 * t + 3e-3, "TPOT " + tpot + " vs 32·T " + layers * 2 * t);
        Map<String, Object> o = offload(r);
        assertEquals(0.0, (Double) moe(r).get("expert_cache_hit_rate"), 0.0);
        // every layer but the first is prefetched, correctly: 31 of 32, none wasted
        assertEquals(n(o, "accesses") * 31 / 32, n(o, "prefetched"));
        assertEquals(n(o, "accesses") / 32, n(o, "fetched_on_demand"));
        assertEquals(0, n(o, "prefetches_wasted"));
        // stall = time beyond the all-resident time; per iteration (T − c) + 31 (T − C) with C the resident layer time
        long iterations = ((Number) metrics(r).get("iterations")).longValue();
        double stallPerIteration = (Double) moe(r).get("expert_stall_s") / iterations;
        double residentLayer = (tpot - stallPerIteration) / layers;
        assertTrue(residentLayer > 1e-3 && residentLayer < 5e-3, "resident layer time " + residentLayer);
        assertEquals(layers * (2 * t - residentLayer), stallPerIteration, 3e-3);
        // bytes conserved: every access moved one expert (the cache keeps nothing)
        assertEquals(n(o, "accesses") * EXPERT_PARAMS * 2, (Double) o.get("tier_read_bytes"), 1);
    }

    @Test
    void wrongPredictionsCostBandwidthAndTheCpuPathRemovesTransfers() {
        RunResult exact = run(L4, NO_HOST, "strategy.moe.offload.prefetch.accuracy=1");
        RunResult half = run(L4, NO_HOST, "strategy.moe.offload.prefetch.accuracy=0.5");
        assertTrue((Long) offload(half).get("prefetches_wasted") > 0);
        assertTrue(tpotP50(half) > tpotP50(exact), "a wrong prefetch queues a useless 13.5 ms copy");
        // Fiddler: at batch 1 an expert on the CPU costs 352 MB / (307.2 GB/s × 0.61) = 1.9 ms against 13.5 ms to move
        // it, so every miss is computed there and nothing but activations crosses PCIe
        RunResult cpu = run(L4, NO_HOST, "strategy.moe.offload.cpu-compute=true");
        Map<String, Object> o = offload(cpu);
        assertEquals(n(o, "accesses") - n(o, "hits"), n(o, "cpu_computed") + n(o, "fetched_on_demand")
                + n(o, "prefetched"));
        assertTrue(n(o, "cpu_computed") > 0.8 * (n(o, "accesses") - n(o, "hits")));
        assertTrue(tpotP50(cpu) < 0.3 * tpotP50(exact), "CPU " + tpotP50(cpu) + " vs fetch " + tpotP50(exact));
        // int4 copies move a quarter of the bytes (and pay a dequantisation on the GPU)
        RunResult int4 = run(L4, NO_HOST, "strategy.moe.offload.cold-precision=int4",
                "strategy.moe.offload.prefetch.accuracy=1");
        double perFetch4 = (Double) offload(int4).get("tier_read_bytes")
                / (n(offload(int4), "fetched_on_demand") + n(offload(int4), "prefetched"));
        assertEquals(EXPERT_PARAMS * 0.5, perFetch4, 1);
        assertTrue((Double) offload(int4).get("dequant_s") > 0);
        assertTrue(tpotP50(int4) < 0.4 * tpotP50(exact));
    }
}
