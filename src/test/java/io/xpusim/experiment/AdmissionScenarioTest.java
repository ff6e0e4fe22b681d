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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strategy.scheduler.admission end to end on the quickstart scenario and on a small prioritised trace. */
class AdmissionScenarioTest {
    private static final Path QUICKSTART = Path.of("scenarios/quickstart.yaml");

    private static RunResult run(Path file, String... overrides) {
        List<String> o = new ArrayList<>(List.of("outputs.charts=false"));
        o.addAll(List.of(overrides));
        return ScenarioRunner.simulate(ScenarioLoader.load(file, o), RunLimits.NONE, null);
    }

    @SuppressWarnings("unchecked")
    private static double meanTtft(RunResult r) {
        Map<String, Object> metrics = (Map<String, Object>) r.summary().get("metrics");
        return (Double) ((Map<String, Object>) metrics.get("ttft_s")).get("mean");
    }

    @Test
    void sjfLowersMeanTtftAtHighLoadAndFcfsIsTheDefault() {
        // 20 req/s is twice what one H100 sustains here: a queue builds, and short prompts overtake long ones
        double fcfs = meanTtft(run(QUICKSTART, "workload.arrivals.rate=20/s", "strategy.scheduler.admission=fcfs"));
        double sjf = meanTtft(run(QUICKSTART, "workload.arrivals.rate=20/s", "strategy.scheduler.admission=sjf"));
        double unset = meanTtft(run(QUICKSTART, "workload.arrivals.rate=20/s"));
        assertTrue(sjf < fcfs, "sjf " + sjf + " s vs fcfs " + fcfs + " s");
        assertEquals(fcfs, unset, 0.0, "fcfs is the default");
    }

    @Test
    void aHighPriorityLateArrivalIsServedFirst(@TempDir Path dir) throws IOException {
        // the first request occupies the replica (max-seqs 1); three wait, the last with priority -1
        Files.writeString(dir.resolve("t.jsonl"), """
                {"timestamp": 0, "input_length": 500, "output_length": 50}
                {"timestamp": 1, "input_length": 500, "output_length": 50}
                {"timestamp": 2, "input_length": 500, "output_length": 50}
                {"timestamp": 3, "input_length": 500, "output_length": 50, "priority": -1}
                """);
        Files.writeString(dir.resolve("s.yaml"), """
                schema: xpusim/v1
                name: priority
                seed: 1
                cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
                model: llama-3-8b
                workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
                strategy:
                  parallelism: { tp: 1 }
                  scheduler: { policy: vllm, max-seqs: 1, admission: priority }
                outputs: { charts: false }
                """);
        List<Long> byFirstToken = run(dir.resolve("s.yaml")).recorder().requests().stream()
                .sorted((a, b) -> Double.compare(a.firstTokenSeconds(), b.firstTokenSeconds()))
                .map(RequestRecord::id).toList();
        assertEquals(List.of(0L, 3L, 1L, 2L), byFirstToken);
        List<Long> fcfs = run(dir.resolve("s.yaml"), "strategy.scheduler.admission=fcfs").recorder().requests().stream()
                .sorted((a, b) -> Double.compare(a.firstTokenSeconds(), b.firstTokenSeconds()))
                .map(RequestRecord::id).toList();
        assertEquals(List.of(0L, 1L, 2L, 3L), fcfs);
    }

    @Test
    void anUnknownOrderIsRejected() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> run(QUICKSTART, "strategy.scheduler.admission=lifo"));
        assertTrue(e.getMessage().contains("admission"), e.getMessage());
    }
}
