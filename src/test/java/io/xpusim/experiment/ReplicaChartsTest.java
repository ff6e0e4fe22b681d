package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.ReplicaSeries;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-replica series and charts, end to end. Two Llama-3-8B replicas, round-robin: request 0 (2,000 output tokens)
 * keeps replica 0 decoding alone for many seconds; requests 1-4 are short and alternate replica 1, 0, 1, 0.
 */
class ReplicaChartsTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: replica-charts
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            strategy:
              replicas: 2
              parallelism: { tp: 1 }
            outputs: { charts: true, sample-interval: 250ms }
            """;
    private static final String TRACE = """
            {"timestamp": 0, "input_length": 100, "output_length": 2000, "hash_ids": [1]}
            {"timestamp": 1000, "input_length": 100, "output_length": 10, "hash_ids": [2]}
            {"timestamp": 2000, "input_length": 100, "output_length": 10, "hash_ids": [3]}
            {"timestamp": 3000, "input_length": 100, "output_length": 10, "hash_ids": [4]}
            {"timestamp": 4000, "input_length": 100, "output_length": 10, "hash_ids": [5]}
            """;

    private static RunResult run(Path dir) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), TRACE);
        Files.writeString(dir.resolve("s.yaml"), SCENARIO);
        return ScenarioRunner.simulate(ScenarioLoader.load(dir.resolve("s.yaml"), List.of()), RunLimits.NONE, null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void busyTimeIntegratesToEachReplicasTotalAndQueuesAreEmptyWhenIdle(@TempDir Path dir) throws IOException {
        RunResult r = run(dir);
        ReplicaSeries rs = r.recorder().perReplica();
        assertEquals(List.of("replica0", "replica1"), rs.names());
        double end = r.recorder().requests().stream().mapToDouble(RequestRecord::finishSeconds).max().orElseThrow();
        double request0End = r.recorder().requests().stream().filter(q -> q.id() == 0).findFirst().orElseThrow().finishSeconds();
        assertEquals(end, request0End, "the long request ends the run");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) ((Map<String, Object>) r.summary().get("metrics"))
                .get("per_replica");
        double bin = rs.binPicos() / 1e12;
        assertEquals(0.25, bin, 1e-15);
        for (int k = 0; k < 2; k++) {
            double busy = 0;
            for (int b = 0; b < rs.bins(); b++) {
                double u = rs.utilisation(k, b);
                assertTrue(u >= 0 && u <= 1 + 1e-12, "utilisation " + u);
                busy += u * bin;
                if (rs.running(k, b) == 0) {
                    assertEquals(0, rs.waiting(k, b), "an idle replica has no queue (replica " + k + ", bin " + b + ")");
                    assertEquals(0, u, "an idle replica is not busy");
                }
            }
            // the devices' own busy time (summary: busy fraction of the run) — the binned series integrates to it
            double total = (Double) rows.get(k).get("utilisation") * end;
            assertEquals(total, busy, 1e-9 * end, "replica " + k);
            assertTrue(busy > 0);
        }
        // replica 1 ran two short requests and then sat idle; replica 0 decoded request 0 alone after 5 s
        int after = (int) Math.ceil(5.0 / bin);
        int last = (int) (end / bin) - 1;
        for (int b = after; b < last; b++) {
            assertEquals(0, rs.utilisation(1, b), "replica 1 idle in bin " + b);
            assertEquals(0, rs.running(1, b));
            assertEquals(1.0, rs.running(0, b), 1e-9, "replica 0 runs request 0 alone, back to back, in bin " + b);
            assertEquals(0, rs.waiting(0, b));
        }
        // the device-wide column is the replicas' mean (one device each)
        double[][] ts = r.recorder().timeseries();
        int col = ServingRecorder.column("device_utilisation");
        for (int b = 0; b < Math.min(ts.length, rs.bins()); b++) {
            assertEquals((rs.utilisation(0, b) + rs.utilisation(1, b)) / 2, ts[b][col], 1e-9);
            assertEquals(0, ts[b][ServingRecorder.column("kv_transfer_bytes_per_s")], "colocated: no KV hand-offs");
        }
        assertFalse(r.recorder().disaggregated());
    }

    @Test
    void replicasCsvAndChartsAreWrittenAndByteIdentical(@TempDir Path dir) throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        List<String> files = ScenarioRunner.writeOutputs(run(dir), a);
        ScenarioRunner.writeOutputs(run(dir), b);
        assertTrue(files.containsAll(List.of("replicas.csv", "replica_utilisation.png", "replica_queues.png")), files.toString());
        assertFalse(files.contains("kv_transfer.png"), "colocated runs have no KV transfer chart");
        List<String> csv = Files.readAllLines(a.resolve("replicas.csv"));
        assertEquals("time_s,replica,utilisation,waiting,running", csv.get(0));
        assertTrue(csv.get(1).startsWith("0,\"replica0\","), csv.get(1));
        assertTrue(csv.get(2).startsWith("0,\"replica1\","), csv.get(2));
        assertEquals(1 + 2 * run(dir).recorder().perReplica().bins(), csv.size());
        for (String f : List.of("replicas.csv", "replica_utilisation.png", "replica_queues.png")) {
            byte[] bytes = Files.readAllBytes(a.resolve(f));
            assertArrayEquals(bytes, Files.readAllBytes(b.resolve(f)), f + " is deterministic");
            if (f.endsWith(".png")) {
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4), f);
            }
        }
    }

    /** Many replicas draw as a heat map; a disaggregated run adds the KV transfer chart; both byte-identical. */
    @Test
    void heatMapAndKvTransferChartsAreDeterministic(@TempDir Path dir) throws IOException {
        Path study = Path.of("scenarios/study/distserve-opt13b-a100.yaml");
        List<String> overrides = List.of("workload.duration=10s");
        RunResult r1 = ScenarioRunner.simulate(ScenarioLoader.load(study, overrides), RunLimits.NONE, null);
        assertTrue(r1.recorder().disaggregated());
        double bytes = 0;
        double[][] ts = r1.recorder().timeseries();
        double bin = r1.recorder().binPicos() / 1e12;
        for (double[] row : ts) {
            bytes += row[ServingRecorder.column("kv_transfer_bytes_per_s")] * bin;
        }
        double summary = (Double) ((Map<?, ?>) r1.summary().get("metrics")).get("kv_transfer_bytes");
        assertTrue(summary > 0);
        assertEquals(summary, bytes, 1e-9 * summary, "the binned KV rate integrates to the bytes transferred");
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        assertTrue(ScenarioRunner.writeOutputs(r1, a).contains("kv_transfer.png"));
        ScenarioRunner.writeOutputs(ScenarioRunner.simulate(ScenarioLoader.load(study, overrides), RunLimits.NONE, null), b);
        for (String f : List.of("kv_transfer.png", "replica_utilisation.png", "replicas.csv")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        // 12 replicas: heat map
        Path q = Path.of("scenarios/quickstart.yaml");
        List<String> many = List.of("strategy.replicas=12", "cluster.nodes=[{template: dgx-h100, count: 2}]",
                "workload.duration=10s", "workload.arrivals.rate=60/s");
        Path c = Files.createDirectories(dir.resolve("c"));
        Path d = Files.createDirectories(dir.resolve("d"));
        ScenarioRunner.writeOutputs(ScenarioRunner.simulate(ScenarioLoader.load(q, many), RunLimits.NONE, null), c);
        ScenarioRunner.writeOutputs(ScenarioRunner.simulate(ScenarioLoader.load(q, many), RunLimits.NONE, null), d);
        for (String f : List.of("replica_utilisation.png", "replica_queues.png")) {
            assertArrayEquals(Files.readAllBytes(c.resolve(f)), Files.readAllBytes(d.resolve(f)), f);
        }
    }
}
