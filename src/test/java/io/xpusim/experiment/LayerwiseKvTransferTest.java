package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Route;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.serving.StepCostModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer-by-layer KV transfer (Splitwise) against whole-KV transfer (DistServe) for one OPT-13B prompt prefilled on
 * A100 0 and decoded on A100 1 of a DGX A100, host overheads zeroed: layer l's KV leaves as soon as layer l is computed,
 * so only the last layer's copy is left after the prefill.
 */
class LayerwiseKvTransferTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: layerwise
            seed: 1
            cluster: { nodes: [ { template: dgx-a100, count: 1 } ] }
            model: opt-13b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 1
              input-tokens: { distribution: fixed, tokens: 1000 }
              output-tokens: { distribution: fixed, tokens: 20 }
            strategy:
              disaggregation: { prefill: { replicas: 1, tp: 1 }, decode: { replicas: 1, tp: 1 }, kv-transfer: %s }
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
            outputs: { charts: false }
            """;

    private static Scenario load(Path dir, String yaml) throws IOException {
        Files.writeString(dir.resolve("s.yaml"), yaml);
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    @SuppressWarnings("unchecked")
    private static double exposed(RunResult r) {
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        return (Double) ((Map<String, Object>) m.get("kv_transfer_exposed_s")).get("max");
    }

    @Test
    void onlyTheLastLayersCopyIsExposed(@TempDir Path dir) throws IOException {
        Scenario whole = load(dir, String.format(SCENARIO, "whole"));
        RunResult w = ScenarioRunner.simulate(whole, RunLimits.NONE, null);
        RunResult l = ScenarioRunner.simulate(load(dir, String.format(SCENARIO, "layer-by-layer")), RunLimits.NONE, null);

        // OPT-13B prompt KV: 1,000 tokens × 2 × 40 layers × 5,120 × 2 B = 819.2 MB, 20.48 MB per layer
        int layers = 40;
        double bytes = 1000 * 2.0 * layers * 5120 * 2;
        Cluster cluster = Cluster.build(whole.nodes(), whole.scaleOut());
        Route route = cluster.route(cluster.devices().get(0), cluster.devices().get(1));
        double bw = route.hops().stream().mapToDouble(Resource::capacityPerSecond).min().orElseThrow();
        double latency = route.latencyPicos() / 1e12;
        // the prefill computes a layer in far longer than a layer's KV takes to cross NVLink, so the copies keep up
        var c = whole.serving();
        double prefill = new StepCostModel(new ForwardPass(whole.model(), 1, c.weights(), c.activations(), c.kvCache()),
                new RooflineCostModel(whole.nodes().get(0).profile().device(), c.activations()), io.xpusim.serving.HostLaunchCosts.NONE)
                .cost(BatchShape.prefill(1, 1000)).deviceSeconds();
        assertTrue(prefill / layers > 10 * bytes / layers / bw, "compute per layer " + prefill / layers
                + " s ≫ copy per layer " + bytes / layers / bw + " s");

        assertEquals(bytes / bw + latency, exposed(w), 1e-6, "whole: the whole copy after the first token");
        assertEquals(bytes / layers / bw + latency, exposed(l), 1e-6, "layer by layer: the last layer's copy only");
        assertTrue(exposed(l) < exposed(w) / 20, exposed(l) + " vs " + exposed(w));

        RequestRecord rw = w.recorder().requests().get(0);
        RequestRecord rl = l.recorder().requests().get(0);
        assertEquals(rw.ttftSeconds(), rl.ttftSeconds(), 1e-12, "the first token does not wait for the KV either way");
        assertEquals(exposed(w) - exposed(l), rw.e2eSeconds() - rl.e2eSeconds(), 1e-6, "decoding starts that much earlier");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) l.summary().get("metrics");
        assertEquals(bytes, (Double) m.get("kv_transfer_bytes"), 1e-3, "the same bytes move, in 40 pieces");
    }

    @Test
    void kvTransferNeedsPools(@TempDir Path dir) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load(dir, String.format(SCENARIO, "whole")
                .replace("{ prefill: { replicas: 1, tp: 1 }, decode: { replicas: 1, tp: 1 }, kv-transfer: whole }",
                        "{ mode: same-gpu, prefill-share: 0.5, kv-transfer: whole }")));
        assertTrue(e.getMessage().contains("applies to mode: pools"), e.getMessage());
        ScenarioException typo = assertThrows(ScenarioException.class, () -> load(dir, String.format(SCENARIO, "layerwise")));
        assertTrue(typo.userMessage().contains("layer-by-layer"), typo.userMessage());
    }
}
