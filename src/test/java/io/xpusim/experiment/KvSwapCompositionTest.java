package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.cli.Main;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preemption by swap next to the other serving features: a mixture-of-experts replica (TP8 + EP8, one attention
 * group) and a replica streaming its weights from host DRAM both swap, with the stall and the tier ledger adding up;
 * the combinations that are not modelled are refused at the swap key.
 */
class KvSwapCompositionTest {
    @TempDir
    Path dir;

    /** A DGX H100 with two CZ120 cards per node; KV squeezed by gpu-memory-utilization so that decodes preempt. */
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: swap-with
            seed: 1
            cluster:
              nodes:
                - template: dgx-h100
                  tiers: [ { memory: micron-cz120-256gb, count: 2, link: cxl-gen5-x8 } ]
            model: %s
            workload:
              kind: serving
              arrivals: { process: poisson, rate: %s }
              input-tokens: { distribution: fixed, tokens: %d }
              output-tokens: { distribution: fixed, tokens: %d }
              requests: %d
            strategy:
              parallelism: %s
              memory: { gpu-memory-utilization: 0.3 }
              scheduler: { policy: vllm, max-seqs: 1024, watermark: 0, preemption: swap }
            %s
            outputs: { charts: false }
            """;

    private Path write(String model, String rate, int in, int out, int requests, String par, String extra)
            throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(SCENARIO, model, rate, in, out, requests, par, extra.indent(2).stripTrailing()));
        return f;
    }

    private static double metric(RunResult r, String key) {
        return ((Number) metrics(r).get(key)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tier(RunResult r, String name) {
        return ((List<Map<String, Object>>) metrics(r).get("memory_tiers")).stream()
                .filter(t -> t.get("tier").equals(name)).findFirst().orElseThrow();
    }

    private static double num(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).doubleValue();
    }

    @Test
    void aMixtureOfExpertsReplicaSwapsToHostDramAtItsBandwidth() throws IOException {
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(write("mixtral-8x7b", "200/s", 2000, 1000, 300,
                "{ tp: 8, ep: 8 }", "kv-offload: { tiers: [cpu] }"), List.of()), RunLimits.NONE, null);
        assertTrue(r.complete());
        assertEquals(300, metric(r, "requests_completed"));
        double outs = metric(r, "kv_swap_outs");
        assertTrue(outs > 20, "decodes preempted by swap: " + outs);
        assertEquals(metric(r, "preemptions"), outs + metric(r, "kv_swap_recompute_fallbacks"));
        assertEquals(outs, metric(r, "kv_swap_ins"), "every swapped request came back");
        double moved = metric(r, "kv_swapped_out_bytes") + metric(r, "kv_swapped_in_bytes");
        // every GPU moves its share over its own PCIe Gen5 x16 (54.8 GB/s), the four of a socket sharing its DDR5
        // (307.2 GB/s × 0.61 STREAM = 187.4 GB/s): 374.8 GB/s per node, nothing else on those paths (the experts'
        // all-to-alls stay on NVLink); the iterations wait for all of it
        double stall = metric(r, "offload_stall_kv_swap_s");
        assertEquals(moved / (2 * 307.2e9 * 0.61), stall, 0.02 * stall);
        assertEquals(stall, metric(r, "offload_stall_s"), 1e-12, "the only offload stall");
        assertEquals(0, metric(r, "offload_stall_weights_attention_s"));
        Map<String, Object> hbm = tier(r, "hbm");
        assertEquals(metric(r, "kv_swapped_out_bytes"), num(hbm, "read_bytes"), 1);
        assertTrue(num(hbm, "peak_bytes") > 8 * 46.7e9 * 2 / 8, "all eight GPUs' weights booked in hbm");
        assertTrue(metrics(r).containsKey("moe"));
    }

    @Test
    void streamedWeightsAndSwapsToCxlShareTheHostLinksAndTheLedger() throws IOException {
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(write("llama-3-8b", "50/s", 1000, 500, 200, "{ tp: 1 }",
                "offload: { weights: cpu, weights-on-gpu: 0.5 }\nkv-offload: { tiers: [cxl] }"), List.of()),
                RunLimits.NONE, null);
        assertTrue(r.complete());
        assertTrue(metric(r, "kv_swap_outs") > 20, "preempted by swap");
        double weights = metric(r, "offload_stall_weights_attention_s");
        double swaps = metric(r, "offload_stall_kv_swap_s");
        assertTrue(weights > 0 && swaps > 0, weights + " " + swaps);
        assertEquals(weights + swaps, metric(r, "offload_stall_s"), 1e-9, "one stall field, both kinds summed");
        // streamed weights live in host DRAM (half of Llama-3-8B's 16.06 GB) and are read from it every iteration
        Map<String, Object> cpu = tier(r, "cpu");
        assertEquals(8_030_261_248.0 * 2 * 0.5, num(cpu, "peak_bytes"), 1e3);
        assertEquals(metric(r, "offload_h2d_bytes"), num(cpu, "read_bytes"), 1);
        Map<String, Object> hbm = tier(r, "hbm");
        assertEquals(metric(r, "offload_h2d_bytes") + metric(r, "kv_swapped_in_bytes"), num(hbm, "write_bytes"), 1);
        Map<String, Object> cxl = tier(r, "cxl");
        assertEquals(metric(r, "kv_swapped_out_bytes"), num(cxl, "write_bytes"), 1);
        assertEquals(metric(r, "kv_swapped_in_bytes"), num(cxl, "read_bytes"), 1);
    }

    /** Mixtral on one L4 with its experts offloaded to host DRAM (MoE expert offloading) and a CZ120 for swapped KV. */
    private static final String EXPERTS = """
            schema: xpusim/v1
            name: swap-with-experts
            seed: 1
            cluster:
              nodes:
                - template: l4-1gpu-server
                  tiers: [ { memory: micron-cz120-256gb, count: 1, link: cxl-gen5-x8 } ]
            model: mixtral-8x7b
            workload:
              kind: serving
              arrivals: { process: burst }
              input-tokens: { distribution: fixed, tokens: 512 }
              output-tokens: { distribution: fixed, tokens: 128 }
              requests: 32
            strategy:
              moe:
                routing: { skew: 0, locality: 0 }
                offload: { tier: cpu, cache: { policy: lru, experts-per-layer: 1 } }
              memory: { gpu-memory-utilization: 0.8 }
              scheduler: { policy: vllm, max-batched-tokens: 4096, max-seqs: 32, watermark: 0, preemption: swap }
              kv-offload: { tiers: [%s] }
              max-model-len: 4096
            outputs: { charts: false }
            """;

    @Test
    void offloadedExpertsAndSwappedKvKeepTheirOwnTiers() throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(EXPERTS, "cxl"));
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(f, List.of()), RunLimits.NONE, null);
        assertTrue(r.complete());
        assertTrue(metric(r, "kv_swap_outs") > 0, "the 8 GB of KV left beside the expert cache preempts");
        // the replica's copy of Mixtral's 256 routed experts (3 × 4096 × 14336 bf16 each) lives in host DRAM and every
        // fetch reads it; hbm takes the fetched experts and the swapped-in KV
        Map<String, Object> cpu = tier(r, "cpu");
        assertEquals(256 * 3.0 * 4096 * 14336 * 2, num(cpu, "peak_bytes"), 1);
        @SuppressWarnings("unchecked")
        Map<String, Object> experts = (Map<String, Object>) ((Map<String, Object>) metrics(r).get("moe")).get("expert_offload");
        double fetched = num(experts, "tier_read_bytes");
        assertEquals(fetched, num(cpu, "read_bytes"), 1);
        assertEquals(fetched + metric(r, "kv_swapped_in_bytes"), num(tier(r, "hbm"), "write_bytes"), 1);
        assertEquals(metric(r, "kv_swapped_out_bytes"), num(tier(r, "cxl"), "write_bytes"), 1);

        Files.writeString(f, String.format(EXPERTS, "cpu"));
        StringWriter err = new StringWriter();
        assertEquals(2, Main.execute(new String[] {"validate", f.toString()}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true)));
        assertTrue(err.toString().contains("s.yaml:20:") && err.toString().contains("where strategy.moe.offload keeps "
                + "the experts"), err.toString());
    }

    private String refusal(Path f) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"validate", f.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        String e = err.toString().strip();
        assertEquals(2, code, e);
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("Exception"), e);
        assertTrue(e.contains("s.yaml:18:"), "at scheduler.preemption: " + e);
        return e;
    }

    @Test
    void combinationsThatAreNotModelledAreRefusedAtTheSwap() throws IOException {
        assertTrue(refusal(write("mixtral-8x7b", "5/s", 100, 10, 5, "{ tp: 4, attention-dp: 2, ep: 8 }", ""))
                .contains("preemption by swap with attention-dp 2 is not supported yet"));
        assertTrue(refusal(write("llama-3-8b", "5/s", 100, 10, 5, "{ tp: 1 }", "offload: { attention: cpu }"))
                .contains("the KV cache already lives in host memory"));
        // in-storage attention keeps the KV in the drives' flash: refused at the swap, before the nodes are checked
        assertTrue(refusal(write("llama-3-8b", "5/s", 100, 10, 5, "{ tp: 1 }", "offload: { attention: csd }"))
                .contains("strategy.offload.attention: csd is not supported: the KV cache already lives in the "
                        + "computational storage drives' flash"));
        assertTrue(refusal(write("llama-3-8b", "5/s", 100, 10, 5, "{ tp: 1 }", "offload: { weights: cpu }"))
                .contains("swap to another tier"));
    }
}
