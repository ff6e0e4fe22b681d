package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disaggregation pools with their own hardware and parallelism: Llama-3-70B prefilled on a DGX H100 at TP8 and
 * decoded on a DGX A100 by two TP4 replicas, the KV crossing InfiniBand between the nodes.
 */
class HeterogeneousDisaggregationTest {
    private static final String BASE = """
            schema: xpusim/v1
            name: hetero-disagg
            seed: 3
            cluster:
              nodes: [ { template: dgx-h100, count: 1 }, { template: dgx-a100, count: 1 } ]
              scale-out: { topology: fat-tree, nic: ib-ndr400 }
            model: llama-3-70b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            outputs: { charts: false }
            strategy:
              scheduler: { policy: vllm }
            """;
    private static final String POOLS = "  disaggregation: { prefill: { replicas: 1, tp: 8 }, decode: { replicas: 2, tp: 4 } }\n";

    private static Path write(Path dir, String strategy, int requests, int prompt) throws IOException {
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < requests; i++) {
            t.append("{\"timestamp\": ").append(i * 100).append(", \"input_length\": ").append(prompt)
                    .append(", \"output_length\": 50, \"hash_ids\": []}\n");
        }
        Files.writeString(dir.resolve("t.jsonl"), t.toString());
        Files.writeString(dir.resolve("s.yaml"), BASE + strategy);
        return dir.resolve("s.yaml");
    }

    @Test
    @SuppressWarnings("unchecked")
    void prefillOnH100Tp8DecodeOnA100Tp4(@TempDir Path dir) throws IOException {
        int prompt = 1000;
        Scenario s = ScenarioLoader.load(write(dir, POOLS, 10, prompt), List.of());
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        assertEquals(10L, m.get("requests_completed"));
        // prompt KV: 1,000 tokens × 2 (K, V) × 80 layers × 8 KV heads × 128 × 2 B = 327,680 B per token over all ranks
        assertEquals(10 * prompt * 327_680.0, (Double) m.get("kv_transfer_bytes"), 1e-3);
        for (RequestRecord q : r.recorder().requests()) {
            assertTrue(q.replica().startsWith("decode"), q.replica());
        }
        List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("per_replica");
        String[] names = {"prefill0", "decode0", "decode1"};
        String[] devices = {"h100-sxm", "a100-80gb-sxm", "a100-80gb-sxm"};
        long[] tps = {8, 4, 4};
        for (int i = 0; i < 3; i++) {
            Map<String, Object> hw = (Map<String, Object>) rows.get(i).get("hardware");
            assertEquals(names[i], rows.get(i).get("name"));
            assertEquals(devices[i], hw.get("device"));
            assertEquals(tps[i], hw.get("tp"));
        }
        assertTrue((Long) rows.get(1).get("requests") >= 4 && (Long) rows.get(2).get("requests") >= 4,
                "least-outstanding spreads the decodes: " + rows);

        // setup describes both pools, not the first group only
        Map<String, Object> setup = (Map<String, Object>) r.summary().get("setup");
        assertEquals("h100-sxm + a100-80gb-sxm", setup.get("device"));
        assertFalse(setup.containsKey("tp"), "no single tp: the pools differ");
        assertFalse(setup.containsKey("kv_cache_blocks"), "no single memory plan: the pools differ");
        assertEquals(16L, setup.get("devices_used"));
        assertEquals("prefill 1 × tp8 on h100-sxm + decode 2 × tp4 on a100-80gb-sxm", setup.get("layout"));
        List<Map<String, Object>> groups = (List<Map<String, Object>>) setup.get("replica_groups");
        assertEquals(2, groups.size());
        assertEquals("prefill", groups.get(0).get("role"));
        assertEquals(8L, groups.get(0).get("tp"));
        assertEquals(2L, groups.get(1).get("replicas"));
        // each pool planned for its own device and tp: 70B bf16 weights / tp (+ replicated norms) per device
        double w = s.model().weightBytesPerRank(4, s.serving().weights());
        assertEquals(w, (Double) groups.get(1).get("weight_bytes_per_device"), 1);
        assertEquals(s.model().weightBytesPerRank(8, s.serving().weights()), (Double) groups.get(0).get("weight_bytes_per_device"), 1);
        Map<String, Object> dis = (Map<String, Object>) setup.get("disaggregation");
        assertEquals(Map.of("prefill", 8L, "decode", 8L), dis.get("devices"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void kvMovesByHeadWhenATpExceedsTheKvHeads(@TempDir Path dir) throws IOException {
        // Qwen3-30B-A3B has 4 KV heads of 128: one head is 2 × 48 layers × 128 × 2 B = 24,576 B per token. A rank
        // beyond the 4th holds a copy of one head, so a decode rank gets what it holds, once: tp 4 ⇒ the 4 heads,
        // 98,304 B per token; tp 8 ⇒ 8 copies, 196,608 B — whatever the prefill tp
        String base = BASE.replace("model: llama-3-70b", "model: qwen3-30b-a3b")
                .replace("{ template: dgx-a100, count: 1 }", "{ template: dgx-h100, count: 1 }")
                .replace("scheduler: { policy: vllm }", "scheduler: { policy: vllm }\n  max-model-len: 4096");
        int prompt = 1000;
        long[][] cases = {{8, 4, 98_304}, {4, 8, 196_608}, {8, 8, 196_608}, {2, 4, 98_304}};
        for (long[] c : cases) {
            Path d = Files.createDirectories(dir.resolve(c[0] + "to" + c[1]));
            String pools = String.format("  disaggregation: { prefill: { replicas: %d, tp: %d }, decode: { replicas: 1, tp: %d } }%n",
                    8 / c[0], c[0], c[1]);
            Path f = write(d, pools, 4, prompt);
            Files.writeString(f, base + pools);
            RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(f, List.of()), RunLimits.NONE, null);
            Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
            assertEquals(4L, m.get("requests_completed"));
            assertEquals(4.0 * prompt * c[2], (Double) m.get("kv_transfer_bytes"), 1e-3, "tp " + c[0] + " → " + c[1]);
        }
    }

    @Test
    void poolsOnTwoNodesWithoutANetworkBetweenThemAreALocatedError(@TempDir Path dir) throws IOException {
        // the first KV hand-off used to fail mid-run with an internal "no route" error
        Path f = write(dir, POOLS, 2, 100);
        Files.writeString(f, Files.readString(f).replace("  scale-out: { topology: fat-tree, nic: ib-ndr400 }\n", ""));
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("take 16 devices, more than one dgx-h100 node's 8, but the cluster has no "
                + "scale-out network for the KV moving from prefill to decode"), e.getMessage());
        List<String> lines = Files.readAllLines(f);
        int line = 1 + lines.indexOf(lines.stream().filter(l -> l.contains("disaggregation:")).findFirst().orElseThrow());
        assertTrue(e.location().toString().contains(":" + line + ":"), e.location() + " should point at line " + line);
    }

    @Test
    void aPoolMayListSeveralGroups(@TempDir Path dir) throws IOException {
        // one prefill replica at tp8 on the H100s, decode on the A100s as one tp4 replica and two tp2 replicas
        Scenario s = ScenarioLoader.load(write(dir, "  disaggregation:\n    prefill: { replicas: 1, tp: 8 }\n"
                + "    decode: [ { replicas: 1, tp: 4 }, { replicas: 2, tp: 2 } ]\n", 6, 500), List.of());
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        assertEquals(6L, m.get("requests_completed"));
        assertEquals(16, ServingLayoutSummary.devicesUsed(s));
    }

    @Test
    void goodputCountsEveryDeviceOfBothPools(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("g.yaml");
        Files.writeString(f, """
                schema: xpusim/v1
                name: g
                seed: 1
                cluster: { nodes: [ { template: dgx-a100, count: 1 } ] }
                model: opt-13b
                workload:
                  kind: serving
                  arrivals: { process: poisson, rate: 2/s }
                  input-tokens: { distribution: fixed, tokens: 100 }
                  output-tokens: { distribution: fixed, tokens: 10 }
                  duration: 5s
                strategy:
                  disaggregation: { prefill: { replicas: 2, tp: 1 }, decode: { replicas: 1, tp: 2 } }
                slo: { ttft-p90: 200ms, tpot-p90: 100ms }
                """);
        // 2 prefill devices + 2 decode devices (tp 2): 4, where replicas × decode tp would say 2
        assertEquals(4, new GoodputRunner(f, List.of()).devices());
    }

    @Test
    void replicaGroupsBesidePoolsAreALocatedError(@TempDir Path dir) throws IOException {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(write(dir, POOLS
                + "  replica-groups: [ { replicas: 1, tp: 8 } ]\n", 1, 10), List.of()));
        assertTrue(e.getMessage().contains("mutually exclusive"), e.getMessage());
        assertTrue(e.userMessage().contains("s.yaml:"), e.userMessage());
        ScenarioException span = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(write(dir,
                "  disaggregation: { prefill: { replicas: 1, tp: 4 }, decode: { replicas: 1, tp: 8 } }\n", 1, 10), List.of()));
        assertTrue(span.getMessage().contains("spans two device types"), span.getMessage());
    }
}
