package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioKind;
import io.xpusim.scenario.PlanLoader;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.scenario.SweepLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every scenario under scenarios/ runs, and its results obey the invariants every run must: each request
 * finishes or is reported dropped, latencies are ordered in time, KV use stays within capacity,
 * utilisation stays at or below 1, time moves forward, and all output files are written.
 */
class ScenarioSuiteTest {
    /** Scenarios that exist to be rejected, with what the rejection must say. */
    static final Map<String, String> REJECTED = Map.of(
            "scenarios/validation/deepspeed/zero-offload-13b-v100-no-offload.yaml", "optimizer");

    /**
     * Every scenario but the published-run reproductions under validation/megatron and validation/korthikanti,
     * which TrainingValidationTest runs (with these invariants) against the measured numbers, and sweep and plan
     * files (not scenarios: their own tests run them).
     */
    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("scenarios"))) {
            return s.filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> !p.toString().contains("/models/") && !p.toString().contains("/traces/"))
                    .filter(p -> !p.toString().contains("/megatron/") && !p.toString().contains("/korthikanti/"))
                    .filter(p -> !SweepLoader.isSweepFile(p) && !PlanLoader.isPlanFile(p)) // SweepCommandTest, PlanCommandTest
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void runsWithInvariants(Path file, @TempDir Path out) throws IOException {
        String rejection = REJECTED.get(file.toString().replace('\\', '/'));
        if (rejection != null) {
            ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(file, List.of()));
            assertTrue(e.getMessage().contains(rejection), "rejected for the right reason: " + e.getMessage());
            return;
        }
        Scenario s = ScenarioLoader.load(file, List.of());
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        assertTrue(r.complete(), "run drained its events");
        if (s.kind() == ScenarioKind.COLLECTIVE) {
            checkCollective(s, r);
        } else if (s.kind() == ScenarioKind.TRAINING) {
            checkTraining(s, r);
        } else if (s.kind() == ScenarioKind.ITERATION) {
            checkIterations(s, r);
        } else {
            checkServing(r);
        }
        List<String> files = ScenarioRunner.writeOutputs(r, out);
        for (String f : files) {
            assertTrue(Files.size(out.resolve(f)) > 0, f + " written");
        }
        assertTrue(files.containsAll(List.of("run.yaml", "summary.json")));
        // run.yaml reproduces the run: load it and compare the summaries (wall time aside)
        Scenario again = ScenarioLoader.load(out.resolve("run.yaml"), List.of());
        RunResult r2 = ScenarioRunner.simulate(again, RunLimits.NONE, null);
        assertEquals(r.summary().get("metrics").toString(), r2.summary().get("metrics").toString(),
                "run.yaml reproduces the metrics");
    }

    /** One record per size; times positive; bus bandwidth never above what the devices' ports carry. */
    private static void checkCollective(Scenario s, RunResult r) {
        assertEquals(s.collective().sizesBytes().size(), r.collectives().size(), "every size measured");
        double portBytesPerSecond = 0;
        int devicesPerNode = Integer.MAX_VALUE;
        for (var g : s.nodes()) {
            var p = g.profile();
            double scaleUp = p.scaleUpLink() == null ? 0 : p.scaleUpLink().bandwidthBytesPerSecond();
            double nvls = p.scaleUpLink() == null ? 0 : p.scaleUpLink().inSwitchReductionBytesPerSecond();
            // with in-switch reduction busbw can reach 2(n-1)/n of the switch rate; a ring is bounded by the port
            portBytesPerSecond = Math.max(portBytesPerSecond, Math.max(scaleUp, 2 * nvls));
            devicesPerNode = Math.min(devicesPerNode, p.deviceCount());
        }
        // hierarchical/tree: each device sends only 2(k-1)/k of the buffer through its scale-up port (k devices per
        // node), while busbw counts 2(n-1)/n, so busbw <= (n-1)/n * k/(k-1) * port — above the port when k is small
        double hierarchicalFactor = devicesPerNode >= 2 ? devicesPerNode / (devicesPerNode - 1.0) : 1;
        for (var c : r.collectives()) {
            assertTrue(c.timeSeconds() > 0, "positive time: " + c);
            boolean hierarchical = c.algorithm().equals("tree") || c.algorithm().equals("hierarchical");
            double bound = portBytesPerSecond * (hierarchical ? hierarchicalFactor : 1);
            assertTrue(c.busbwBytesPerSecond() <= bound * (1 + 1e-9), "busbw within the ports: " + c);
        }
    }

    /** Steps finished; MFU ≤ HFU ≤ 1; every stage's breakdown adds up to the step; every stage fits in memory. */
    static void checkTraining(Scenario s, RunResult r) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        assertEquals((long) s.training().steps(), m.get("steps"), "every step finished");
        double step = (Double) m.get("step_time_s");
        double mfu = (Double) m.get("mfu");
        double hfu = (Double) m.get("hfu");
        assertTrue(step > 0, "positive step time");
        assertTrue(mfu > 0 && mfu <= hfu + 1e-12 && hfu <= 1, "0 < MFU ≤ HFU ≤ 1: " + mfu + ", " + hfu);
        for (var t : r.training().stageTimes()) {
            assertEquals(step, t.totalSeconds(), 1e-9 * step, "stage " + t.stage() + " breakdown adds up to the step");
        }
        for (var mem : r.training().memory()) {
            assertTrue(mem.fits(), "stage " + mem.stage() + " fits: " + mem);
        }
    }

    /** Every (node group, batch) timed; an iteration lasts at least its launched part plus its serial overheads. */
    private static void checkIterations(Scenario s, RunResult r) {
        assertEquals(s.nodes().size() * s.iteration().batchSizes().size(), r.iterations().size(), "every point timed");
        for (var p : r.iterations()) {
            assertTrue(p.hostLaunchSeconds() > 0 && p.deviceSeconds() > 0, "positive times: " + p);
            assertTrue(p.iterationSeconds() >= Math.max(p.hostLaunchSeconds(), p.deviceSeconds()) + p.serialSeconds() - 1e-9,
                    "iteration covers launches, kernels and serial overheads: " + p);
        }
    }

    private static void checkServing(RunResult r) {
        ServingRecorder rec = r.recorder();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        long completed = (Long) m.get("requests_completed");
        long dropped = (Long) m.get("requests_dropped");
        assertEquals(rec.requests().size(), completed + dropped, "every request finished or was dropped");
        assertTrue(completed > 0, "some requests completed");
        double simulated = (Double) r.summary().get("simulated_time_s");
        for (RequestRecord q : rec.requests()) {
            if (q.completed()) {
                assertTrue(q.firstTokenSeconds() > q.arrivalSeconds(), "first token after arrival: " + q);
                assertTrue(q.finishSeconds() >= q.firstTokenSeconds(), "finish after first token: " + q);
                assertTrue(q.finishSeconds() <= simulated + 1e-9, "finish within the run: " + q);
            } else {
                assertTrue(q.dropReason().contains(":"), "a dropped request says why: " + q);
            }
        }
        double kvPeak = (Double) m.get("kv_cache_peak_fraction");
        assertTrue(kvPeak >= 0 && kvPeak <= 1, "KV peak within capacity: " + kvPeak);
        for (String k : List.of("host_cpu_utilisation", "host_thread_utilisation")) {
            double u = (Double) m.get(k);
            assertTrue(u >= 0 && u <= 1 + 1e-9, k + " in [0, 1]: " + u);
        }
        double utilisation = (Double) m.get("device_utilisation");
        assertTrue(utilisation > 0 && utilisation <= 1 + 1e-9, "utilisation in (0, 1]: " + utilisation);
        double[][] ts = rec.timeseries();
        for (int i = 0; i < ts.length; i++) {
            if (i > 0) {
                assertTrue(ts[i][0] > ts[i - 1][0], "time strictly increasing in timeseries");
            }
            assertTrue(ts[i][ServingRecorder.column("kv_used_fraction")] <= 1 + 1e-9, "KV fraction ≤ 1 in every bin");
            assertTrue(ts[i][ServingRecorder.column("kv_blocks_used")] <= ts[i][ServingRecorder.column("kv_blocks_total")] + 1e-6,
                    "KV blocks used ≤ total in every bin");
            double util = ts[i][ServingRecorder.column("device_utilisation")];
            assertTrue(util <= 1 + 1e-9, "device utilisation ≤ 1 in every bin: " + util);
        }
    }
}
