package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests at the edge of what a replica's KV cache can ever admit (found by review, kept as regressions). */
class ServingEdgeCaseTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: edge
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            strategy:
              parallelism: { tp: 1 }
              memory: { gpu-memory-utilization: 0.21 }
            outputs: { charts: false }
            """;

    private static List<RequestRecord> run(Path dir, String trace) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), trace);
        Files.writeString(dir.resolve("s.yaml"), SCENARIO);
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(dir.resolve("s.yaml"), List.of()), RunLimits.NONE, null);
        return r.recorder().requests().stream().sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
    }

    @Test
    void aRequestOnlyTheWatermarkKeepsOutIsDroppedAtArrivalNotBlockingOthers(@TempDir Path dir) throws IOException {
        // 0.21 of the H100 leaves about 330 KV blocks; request 1 (5,240 tokens = 328 blocks) fits the cache but not beside
        // the 1% watermark, so the scheduler could never admit it: it must not hold up request 2 behind it
        List<RequestRecord> rs = run(dir, """
                {"timestamp": 0, "input_length": 100, "output_length": 2000}
                {"timestamp": 1, "input_length": 5230, "output_length": 10}
                {"timestamp": 2, "input_length": 100, "output_length": 10}
                """);
        assertTrue(rs.get(1).dropReason().startsWith("larger than the whole KV cache"), rs.get(1).toString());
        assertTrue(rs.get(2).completed() && rs.get(2).ttftSeconds() < 1, "request 2 is not stuck: " + rs.get(2));
    }

    @Test
    void thousandsOfHopelessRequestsAreDroppedWithoutRecursion(@TempDir Path dir) throws IOException {
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < 6000; i++) {
            trace.append("{\"timestamp\": 0, \"input_length\": 5230, \"output_length\": 10}\n");
        }
        List<RequestRecord> rs = run(dir, trace.toString());
        assertEquals(6000, rs.size());
        assertTrue(rs.stream().noneMatch(RequestRecord::completed));
    }
}
