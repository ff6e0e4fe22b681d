package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.compute.RooflineCostModel;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.Operator;
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
 * Same-GPU disaggregation: a prefill and a decode engine on one H100 (Llama-3-8B), the prefill one limited to a share
 * of the compute, host overheads zeroed. A compute-bound prompt alone at a 0.5 share takes about twice its full-GPU
 * time; a memory-bound decode step hardly slows, since the share partitions compute, not memory bandwidth.
 */
class SameGpuDisaggregationTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: same-gpu
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 1
              input-tokens: { distribution: fixed, tokens: 8000 }
              output-tokens: { distribution: fixed, tokens: 11 }
            strategy:
              replicas: 1
              scheduler: { policy: vllm }
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
            %s
            outputs: { charts: false }
            """;

    private static Scenario load(Path dir, String extra) throws IOException {
        Files.writeString(dir.resolve("s.yaml"), SCENARIO.formatted(extra));
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    private static RunResult run(Path dir, String extra) throws IOException {
        return ScenarioRunner.simulate(load(dir, extra), RunLimits.NONE, null);
    }

    /** Seconds of a batch on an engine capped at {@code share}: math-bound kernels at the share, the rest at full speed. */
    private static double partitioned(Scenario s, BatchShape b, double share) {
        var c = s.serving();
        List<Operator> ops = new ForwardPass(s.model(), 1, c.weights(), c.activations(), c.kvCache()).operators(b);
        RooflineCostModel roofline = new RooflineCostModel(s.nodes().get(0).profile().device(), c.activations());
        double all = roofline.seconds(ops);
        double math = roofline.computeBoundSeconds(ops);
        return math / share + (all - math);
    }

    @Test
    @SuppressWarnings("unchecked")
    void halfTheComputeDoublesAPromptButHardlyADecodeStep(@TempDir Path dir) throws IOException {
        RequestRecord full = run(dir, "").recorder().requests().get(0);
        Scenario s = load(dir, "  disaggregation: { mode: same-gpu, prefill-share: 0.5 }\n");
        RunResult half = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        RequestRecord r = half.recorder().requests().get(0);

        BatchShape prompt = BatchShape.prefill(1, 8000);
        assertEquals(partitioned(s, prompt, 1.0), full.ttftSeconds(), 1e-9, "full GPU: the plain roofline time");
        assertEquals(partitioned(s, prompt, 0.5), r.ttftSeconds(), 1e-9, "half the SMs: math-bound kernels at half speed");
        double ratio = r.ttftSeconds() / full.ttftSeconds();
        assertTrue(ratio > 1.9 && ratio <= 2.0, "an 8,000-token prompt is almost all math: " + ratio + "× slower");

        // the decode engine has the other half; a batch-1 decode reads weights, which the share does not limit
        double tpotRatio = r.tpotSeconds() / full.tpotSeconds();
        assertTrue(tpotRatio >= 1.0 && tpotRatio < 1.05, "decode step at half the compute: " + tpotRatio + "×");

        Map<String, Object> m = (Map<String, Object>) half.summary().get("metrics");
        assertEquals(0.0, (Double) m.get("kv_transfer_bytes"), 0, "the KV stays where it is");
        assertEquals(1L, m.get("kv_handoffs"));
        assertEquals("decode0", r.replica());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("per_replica");
        assertEquals(0.5, ((Map<String, Object>) rows.get(0).get("hardware")).get("compute_share"));
        assertEquals("prefill", rows.get(0).get("role"));
        assertEquals("decode", rows.get(1).get("role"));
        Map<String, Object> setup = (Map<String, Object>) half.summary().get("setup");
        assertEquals(1L, setup.get("devices_used"), "both phases on the one GPU");
        assertEquals(1L, setup.get("replicas"));
    }

    @Test
    void concurrentPhasesShareTheDeviceWithoutExceedingIt(@TempDir Path dir) throws IOException {
        // requests every 200 ms: prompts arrive while earlier ones decode; the run's invariants check the device's
        // compute never runs above capacity and that every request finishes with its KV released
        String many = SCENARIO.formatted("  disaggregation: { mode: same-gpu, prefill-share: 0.6 }\n").replace("arrivals: { process: burst }\n  requests: 1\n", "arrivals: { process: poisson, rate: 5/s }\n  requests: 30\n")
                .replace("tokens: 8000", "tokens: 2000").replace("tokens: 11", "tokens: 200");
        Files.writeString(dir.resolve("m.yaml"), many);
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(dir.resolve("m.yaml"), List.of()), RunLimits.NONE, null);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        assertEquals(30L, m.get("requests_completed"));
        assertTrue((Double) m.get("device_utilisation") <= 1.0);
    }

    @Test
    void badSplitsAreLocatedErrors(@TempDir Path dir) {
        ScenarioException share = assertThrows(ScenarioException.class, () -> load(dir,
                "  disaggregation: { mode: same-gpu, prefill-share: 1 }\n"));
        assertTrue(share.getMessage().contains("strictly between 0 and 1"), share.getMessage());
        ScenarioException pp = assertThrows(ScenarioException.class, () -> load(dir,
                "  parallelism: { tp: 1, pp: 2 }\n  disaggregation: { mode: same-gpu, prefill-share: 0.5 }\n"));
        assertTrue(pp.getMessage().contains("pipeline parallelism"), pp.getMessage());
        ScenarioException missing = assertThrows(ScenarioException.class, () -> load(dir,
                "  disaggregation: { mode: same-gpu }\n"));
        assertTrue(missing.getMessage().contains("prefill-share"), missing.getMessage());
    }
}
