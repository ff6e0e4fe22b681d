package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Route;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefill/decode disaggregation end to end on OPT-13B and a DGX A100 (tp 1 pools): the first token comes from the
 * prefill replica, the prompt KV crosses NVLink, and decoding starts on the decode replica once it lands.
 */
class DisaggregationScenarioTest {
    private static final String BASE = """
            schema: xpusim/v1
            name: disagg
            seed: 1
            cluster: { nodes: [ { template: dgx-a100, count: 1 } ] }
            model: opt-13b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            outputs: { charts: false }
            strategy:
            """;
    private static final String COLOCATED = "  replicas: 1\n  parallelism: { tp: 1 }\n";
    private static final String DISAGG = "  disaggregation: { prefill: { replicas: 1, tp: 1 }, decode: { replicas: %d, tp: 1 } }\n"
            + "  scheduler: { policy: vllm }\n";

    private static Scenario load(Path dir, String strategy, String trace) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), trace);
        Files.writeString(dir.resolve("s.yaml"), BASE + strategy);
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    private static RunResult run(Path dir, String strategy, String trace) throws IOException {
        return ScenarioRunner.simulate(load(dir, strategy, trace), RunLimits.NONE, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    @Test
    void oneRequestGetsItsFirstTokenFromPrefillAndDecodesAfterTheKvTransfer(@TempDir Path dir) throws IOException {
        int input = 1000;
        int output = 20;
        String trace = "{\"timestamp\": 0, \"input_length\": " + input + ", \"output_length\": " + output + ", \"hash_ids\": [1]}\n";
        RequestRecord colo = run(dir, COLOCATED, trace).recorder().requests().get(0);
        Scenario s = load(dir, String.format(DISAGG, 1), trace);
        RunResult dis = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        RequestRecord d = dis.recorder().requests().get(0);
        assertTrue(d.completed());
        assertEquals("decode0", d.replica());
        // same prefill iteration on the same device and tp: identical TTFT
        assertEquals(colo.ttftSeconds(), d.ttftSeconds(), 1e-12);

        // KV of the prompt: tokens × 2 (K,V) × layers × hidden × 2 B (fp16, tp 1) = 1000 × 2 × 40 × 5120 × 2
        double bytes = input * 2.0 * 40 * 5120 * 2;
        assertEquals(bytes, s.model().kvBytesPerTokenPerRank(1, s.serving().kvCache()) * input, 1e-6);
        Map<String, Object> m = metrics(dis);
        assertEquals(bytes, (Double) m.get("kv_transfer_bytes"), 1e-3);
        assertEquals(1L, m.get("kv_handoffs"));

        // device 0 → device 1 over NVLink: bytes / bottleneck hop bandwidth + route latency
        Cluster cluster = Cluster.build(s.nodes(), s.scaleOut());
        Route route = cluster.route(cluster.devices().get(0), cluster.devices().get(1));
        double bw = route.hops().stream().mapToDouble(Resource::capacityPerSecond).min().orElseThrow();
        double transfer = bytes / bw + route.latencyPicos() / 1e12;
        assertTrue(transfer > 1e-4 && transfer < 1e-2, "a 400 MB copy over NVLink takes about a millisecond: " + transfer);
        // the decode steps are the colocated ones (same context lengths, same device): the gap is the transfer
        double coloDecode = colo.e2eSeconds() - colo.ttftSeconds();
        double disDecode = d.e2eSeconds() - d.ttftSeconds();
        assertEquals(transfer, disDecode - coloDecode, 2e-6, "decode starts only after the KV transfer");

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("per_replica");
        assertEquals("prefill", rows.get(0).get("role"));
        assertEquals(1L, rows.get(0).get("handed_off"));
        assertEquals("decode", rows.get(1).get("role"));
        assertEquals(1L, rows.get(1).get("requests"));
    }

    @Test
    void leastOutstandingSpreadsHandOffsOverTheDecodePool(@TempDir Path dir) throws IOException {
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            t.append("{\"timestamp\": ").append(i * 50).append(", \"input_length\": 500, \"output_length\": 400, \"hash_ids\": []}\n");
        }
        RunResult r = run(dir, String.format(DISAGG, 2), t.toString());
        List<String> where = new ArrayList<>();
        for (RequestRecord q : r.recorder().requests()) {
            assertTrue(q.completed());
            where.add(q.replica());
        }
        long on0 = where.stream().filter("decode0"::equals).count();
        long on1 = where.stream().filter("decode1"::equals).count();
        assertEquals(8, on0 + on1);
        assertTrue(on0 >= 3 && on1 >= 3, "spread " + where);
        assertEquals(8 * 500 * 2.0 * 40 * 5120 * 2, (Double) metrics(r).get("kv_transfer_bytes"), 1e-3);
    }

    @Test
    @SuppressWarnings("unchecked")
    void disaggregationLowersTpotUnderPrefillHeavyLoadOnTheSameTwoGpus(@TempDir Path dir) throws IOException {
        // long prompts arriving every 150 ms while earlier requests decode: colocated decodes stall behind prefills
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            t.append("{\"timestamp\": ").append(i * 150).append(", \"input_length\": 1800, \"output_length\": 100, \"hash_ids\": []}\n");
        }
        RunResult colo = run(dir, "  replicas: 2\n  parallelism: { tp: 1 }\n  router: round-robin\n", t.toString());
        RunResult dis = run(dir, String.format(DISAGG, 1), t.toString());
        Map<String, Object> c = metrics(colo);
        Map<String, Object> d = metrics(dis);
        double tpotColo = (Double) ((Map<String, Object>) c.get("tpot_s")).get("mean");
        double tpotDis = (Double) ((Map<String, Object>) d.get("tpot_s")).get("mean");
        double ttftColo = (Double) ((Map<String, Object>) c.get("ttft_s")).get("mean");
        double ttftDis = (Double) ((Map<String, Object>) d.get("ttft_s")).get("mean");
        assertEquals(40L, d.get("requests_completed"));
        assertTrue(tpotDis < tpotColo, "disaggregated TPOT " + tpotDis + " < colocated " + tpotColo);
        // one prefill GPU instead of two: prompts queue longer
        assertTrue(ttftDis > ttftColo, "disaggregated TTFT " + ttftDis + " > colocated " + ttftColo);
    }

    @Test
    void badLayoutsAreLocatedErrors(@TempDir Path dir) throws IOException {
        String trace = "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2, \"hash_ids\": []}\n";
        ScenarioException tooMany = assertThrows(ScenarioException.class, () -> load(dir,
                "  disaggregation: { prefill: { replicas: 4, tp: 2 }, decode: { replicas: 1, tp: 2 } }\n", trace));
        assertTrue(tooMany.getMessage().contains("needs 10 devices"), tooMany.getMessage());
        ScenarioException heads = assertThrows(ScenarioException.class, () -> load(dir,
                "  disaggregation: { prefill: { replicas: 1, tp: 3 }, decode: { replicas: 1, tp: 1 } }\n", trace));
        assertTrue(heads.getMessage().contains("tp=3 does not divide"), heads.getMessage());
        ScenarioException policy = assertThrows(ScenarioException.class, () -> load(dir,
                "  disaggregation: { prefill: { replicas: 1, tp: 1 }, decode: { replicas: 1, tp: 1 } }\n"
                        + "  scheduler: { policy: static }\n", trace));
        assertTrue(policy.getMessage().contains("vllm or sarathi"), policy.getMessage());
    }
}
