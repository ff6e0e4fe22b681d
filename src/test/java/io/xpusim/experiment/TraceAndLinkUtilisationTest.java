package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.LinkUtilisation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Perfetto trace and the link-utilisation heat map data. */
class TraceAndLinkUtilisationTest {
    @Test
    void traceIsChromeJsonWithOneSlicePerActivityAndResource(@TempDir Path out) throws Exception {
        Scenario s = ScenarioLoader.load(Path.of("scenarios/collective/nccl-allreduce-dgx-a100.yaml"),
                List.of("collective.sizes=[64MiB]"));
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null, true);
        List<String> files = ScenarioRunner.writeOutputs(r, out);
        assertTrue(files.contains("trace.json") && files.contains("link_utilisation.png"), files.toString());
        JsonNode trace = new ObjectMapper().readTree(out.resolve("trace.json").toFile());
        int slices = 0;
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals("X")) {
                slices++;
                assertTrue(e.get("dur").asDouble() >= 0 && e.get("ts").asDouble() >= 0, e.toString());
            }
        }
        // a ring all-reduce on 8 GPUs: 8 flows, each over its sender's NVLink out and receiver's NVLink in
        assertEquals(16, slices);
        assertTrue(Files.readString(out.resolve("summary.json")).contains("\"slices\" : 16"));
    }

    @Test
    void utilisationIsTheTimeWeightedShareOfCapacity() {
        Simulation sim = new Simulation();
        FairShareSolver solver = new FairShareSolver(sim);
        Resource link = new Resource("link", 100e9);
        Resource idle = new Resource("idle", 100e9);
        FabricRecorder recorder = new FabricRecorder(List.of(link, idle), false);
        solver.setObserver(recorder);
        // 50 GB at a cap of 50 GB/s: one second at half the link's capacity, then nothing for a second
        solver.start(new Activity("flow", 50e9, new Resource[] {link}, 50e9, a -> { }));
        sim.run();
        LinkUtilisation u = recorder.utilisation(2_000_000_000_000L, 4, 10);
        assertEquals(List.of("link"), u.links(), "links that carried nothing are left out");
        assertEquals(0.5, u.binSeconds(), 1e-12);
        double[] expected = {0.5, 0.5, 0, 0};
        for (int b = 0; b < 4; b++) {
            assertEquals(expected[b], u.utilisation()[0][b], 1e-9, "bin " + b);
        }
    }
}
