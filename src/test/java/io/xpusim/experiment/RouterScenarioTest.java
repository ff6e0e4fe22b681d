package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.RequestRecord;
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
 * Routers chosen by name in YAML, end to end on two Llama-3-8B replicas: one long request keeps replica 0
 * busy for many seconds while four short ones (done well within the second between arrivals) follow.
 */
class RouterScenarioTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: routers
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            strategy:
              replicas: 2
              parallelism: { tp: 1 }
            outputs: { charts: false }
            """;
    // request 0 decodes 2,000 tokens (seconds); 1-4 are short. Prefix hashes: 0, 2 and 3 share block 1.
    private static final String TRACE = """
            {"timestamp": 0, "input_length": 100, "output_length": 2000, "hash_ids": [1]}
            {"timestamp": 1000, "input_length": 100, "output_length": 10, "hash_ids": [2]}
            {"timestamp": 2000, "input_length": 100, "output_length": 10, "hash_ids": [1]}
            {"timestamp": 3000, "input_length": 100, "output_length": 10, "hash_ids": [1]}
            {"timestamp": 4000, "input_length": 100, "output_length": 10, "hash_ids": [3]}
            """;

    private static RunResult run(Path dir, List<String> overrides) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), TRACE);
        Files.writeString(dir.resolve("s.yaml"), SCENARIO);
        return ScenarioRunner.simulate(ScenarioLoader.load(dir.resolve("s.yaml"), overrides), RunLimits.NONE, null);
    }

    /** The replica index each request went to, by request id. */
    private static List<Integer> placement(RunResult r) {
        assertTrue(r.recorder().requests().stream().allMatch(RequestRecord::completed));
        return r.recorder().requests().stream().sorted((a, b) -> Long.compare(a.id(), b.id()))
                .map(q -> Integer.parseInt(q.replica().substring("replica".length()))).toList();
    }

    private static List<Integer> placement(Path dir, String router) throws IOException {
        return placement(run(dir, List.of("strategy.router=" + router)));
    }

    @Test
    void eachRouterPlacesTheShortRequestsAsItsRuleSays(@TempDir Path dir) throws IOException {
        assertEquals(List.of(0, 1, 0, 1, 0), placement(run(dir, List.of())), "round-robin is the default");
        assertEquals(List.of(0, 1, 0, 1, 0), placement(dir, "round-robin"));
        // replica 1 is idle at every later arrival: everything short goes there
        assertEquals(List.of(0, 1, 1, 1, 1), placement(dir, "least-outstanding"));
        // replica 0's cache holds request 0's KV; replica 1's is empty at each arrival
        assertEquals(List.of(0, 1, 1, 1, 1), placement(dir, "least-kv-load"));
        // requests 2 and 3 share request 0's first block, so they follow it; 1 and 4 balance load
        assertEquals(List.of(0, 1, 0, 0, 1), placement(dir, "prefix-affinity"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void summaryListsEachReplicaWithItsHardwareRequestsAndUtilisation(@TempDir Path dir) throws IOException {
        RunResult r = run(dir, List.of("strategy.router=least-outstanding"));
        Map<String, Object> metrics = (Map<String, Object>) r.summary().get("metrics");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) metrics.get("per_replica");
        assertEquals(2, rows.size());
        assertEquals("replica0", rows.get(0).get("name"));
        assertEquals("replica1", rows.get(1).get("name"));
        assertEquals(Map.of("device", "h100-sxm", "tp", 1L), rows.get(0).get("hardware"));
        assertEquals(1L, rows.get(0).get("requests"));
        assertEquals(4L, rows.get(1).get("requests"));
        double u0 = (Double) rows.get(0).get("utilisation");
        double u1 = (Double) rows.get(1).get("utilisation");
        assertTrue(u0 > 0 && u0 <= 1 && u1 > 0 && u1 < u0, "the long request keeps replica 0 busier: " + u0 + " vs " + u1);
        Map<String, Object> setup = (Map<String, Object>) r.summary().get("setup");
        assertEquals("least-outstanding", setup.get("router"));
        // the device-wide figure averages the replicas' (each has one device)
        assertEquals((u0 + u1) / 2, (Double) metrics.get("device_utilisation"), 1e-12);
    }

    @Test
    void anUnknownRouterGetsDidYouMean(@TempDir Path dir) throws IOException {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> run(dir, List.of("strategy.router=least-outstandng")));
        assertTrue(e.userMessage().contains("unknown value 'least-outstandng' for 'strategy.router'")
                && e.userMessage().contains("did you mean 'least-outstanding'?"), e.userMessage());
    }

    @Test
    void runYamlRecordsTheRouter(@TempDir Path dir) throws IOException {
        RunResult r = run(dir, List.of());
        Path out = Files.createDirectory(dir.resolve("out"));
        ScenarioRunner.writeOutputs(r, out);
        assertTrue(Files.readString(out.resolve("run.yaml")).contains("router: round-robin"));
    }
}
