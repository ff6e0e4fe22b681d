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
 * Pipeline parallelism inside a serving replica: Llama-3-8B (32 layers) on two H100s of a DGX as pp = 2 stages of 16
 * layers, host overheads zeroed so the stage physics shows. A prompt visits both stages with the activations crossing
 * NVLink between them; two engines (vLLM's virtual engines) keep both stages busy while decoding.
 */
class PipelineParallelServingTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: pp
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: %d
              input-tokens: { distribution: fixed, tokens: %d }
              output-tokens: { distribution: fixed, tokens: %d }
            strategy:
              parallelism: { tp: 1, pp: %d }
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
            outputs: { charts: false }
            """;

    private static Scenario load(Path dir, String yaml) throws IOException {
        Files.writeString(dir.resolve("s.yaml"), yaml);
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    private static Scenario scenario(Path dir, int requests, int input, int output, int pp) throws IOException {
        return load(dir, String.format(SCENARIO, requests, input, output, pp));
    }

    /** Device seconds of pipeline stage {@code stage} of {@code pp} for a batch, from the cost model the replica uses. */
    private static double stageSeconds(Scenario s, BatchShape b, int stage, int pp) {
        var c = s.serving();
        ForwardPass pass = new ForwardPass(s.model(), 1, c.weights(), c.activations(), c.kvCache());
        RooflineCostModel roofline = new RooflineCostModel(s.nodes().get(0).profile().device(), c.activations());
        return new StepCostModel(pass, stage, pp, roofline, io.xpusim.serving.HostLaunchCosts.NONE, false).cost(b).deviceSeconds();
    }

    /** Time to copy {@code bytes} from GPU 0 to GPU 1: bytes over the slowest hop plus the route's latency. */
    private static double copySeconds(Scenario s, double bytes) {
        Cluster cluster = Cluster.build(s.nodes(), s.scaleOut());
        Route route = cluster.route(cluster.devices().get(0), cluster.devices().get(1));
        double bw = route.hops().stream().mapToDouble(Resource::capacityPerSecond).min().orElseThrow();
        return bytes / bw + route.latencyPicos() / 1e12;
    }

    @Test
    void onePromptTakesStageZeroThenTheActivationCopyThenStageOne(@TempDir Path dir) throws IOException {
        int prompt = 2000;
        Scenario s = scenario(dir, 1, prompt, 2, 2);
        RequestRecord r = ScenarioRunner.simulate(s, RunLimits.NONE, null).recorder().requests().get(0);
        BatchShape b = BatchShape.prefill(1, prompt);
        double stage0 = stageSeconds(s, b, 0, 2);
        double stage1 = stageSeconds(s, b, 1, 2);
        // the two stages split the pass: their sum is the one-stage pass (embedding on stage 0, LM head on stage 1)
        assertEquals(stageSeconds(s, b, 0, 1), stage0 + stage1, 1e-12);
        assertTrue(stage0 > 0.01 && stage1 > 0.01, "a 2,000-token prompt is tens of ms per stage: " + stage0 + ", " + stage1);
        // the hidden state and the residual of 2,000 tokens, 4,096 wide, bf16: 2 × 2000 × 4096 × 2 B = 32.8 MB
        double activations = 2.0 * prompt * 4096 * 2;
        double copy = copySeconds(s, activations);
        assertTrue(copy > 2e-5 && copy < 2e-4, "32.8 MB over NVLink4 is ~80 µs: " + copy);
        assertEquals(stage0 + copy + stage1, r.ttftSeconds(), 1e-6, "TTFT = stage 0 + activation copy + stage 1");

        // the same prompt on one GPU (pp 1): the copy is what pipeline parallelism adds to one request's latency
        Scenario one = scenario(dir, 1, prompt, 2, 1);
        RequestRecord single = ScenarioRunner.simulate(one, RunLimits.NONE, null).recorder().requests().get(0);
        assertEquals(copy, r.ttftSeconds() - single.ttftSeconds(), 1e-6);
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoEnginesInFlightKeepBothStagesBusyWhileDecoding(@TempDir Path dir) throws IOException {
        int requests = 64;
        int prompt = 16;
        int output = 65;
        Scenario s = scenario(dir, requests, prompt, output, 2);
        RunResult run = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        // the 64 requests alternate over the two engines: 32 decode in each micro-batch, at a context of 16..80 tokens
        BatchShape step = BatchShape.decode(32, prompt + output / 2);
        double d0 = stageSeconds(s, step, 0, 2);
        double d1 = stageSeconds(s, step, 1, 2);
        double copy = copySeconds(s, 2.0 * 32 * 4096 * 2);
        // each engine's decode step is its stage-0 pass, the copy and its stage-1 pass; the other engine's micro-batch
        // fills the gaps, so a request gets a token every max(d0 + copy + d1, 2 · slowest stage): here stage 1 (it also
        // reads the 1 GB LM head) is the slowest and binds. One micro-batch at a time would take 2 · (d0 + copy + d1).
        assertTrue(d1 > d0 + copy, "stage 1 reads the LM head too: " + d1 + " vs " + d0);
        double period = Math.max(d0 + copy + d1, 2 * Math.max(d0, d1));
        double tpot = run.recorder().requests().stream().mapToDouble(RequestRecord::tpotSeconds).average().orElseThrow();
        assertEquals(period, tpot, 0.02 * period, "TPOT = the slowest stage's two micro-batches");
        assertTrue(tpot < 0.6 * 2 * (d0 + copy + d1), "far below one micro-batch in flight");
        // the binding stage is busy nearly all the time; both together more than one stage could be with one in flight
        Map<String, Object> m = (Map<String, Object>) run.summary().get("metrics");
        Map<String, Object> row = ((List<Map<String, Object>>) m.get("per_replica")).get(0);
        double total = 0;
        for (Object o : (List<Object>) row.get("stages")) {
            double u = (Double) ((Map<String, Object>) o).get("utilisation");
            assertTrue(u > 0.8 && u <= 1.0, "stage utilisation " + u);
            total += u;
        }
        assertTrue(total > 1.6, "both stages busy at once: " + total);
        assertEquals(64L, m.get("requests_completed"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachStagePlansMemoryForItsOwnLayers(@TempDir Path dir) throws IOException {
        Scenario s = scenario(dir, 1, 16, 2, 2);
        Map<String, Object> setup = (Map<String, Object>) ScenarioRunner.simulate(s, RunLimits.NONE, null).summary().get("setup");
        Map<String, Object> group = ((List<Map<String, Object>>) setup.get("replica_groups")).get(0);
        List<Map<String, Object>> stages = (List<Map<String, Object>>) group.get("stages");
        // Llama-3-8B bf16: 16,060,522,496 B of weights; embedding and (untied) LM head 128,256 × 4,096 × 2 B each;
        // the final norm 4,096 × 2 B; the 32 layers' 13,959,168,000 B split evenly
        double embedding = 128_256.0 * 4096 * 2;
        double layers = 16_060_522_496.0 - 2 * embedding - 4096 * 2;
        assertEquals(layers / 2 + embedding, (Double) stages.get(0).get("weight_bytes_per_device"), 1);
        assertEquals(layers / 2 + embedding + 4096 * 2, (Double) stages.get(1).get("weight_bytes_per_device"), 1);
        // KV per token per stage: 16 layers × 2 × 8 heads × 128 × 2 B = 65,536 B, 16 tokens a block; HBM 81,559 MiB × 0.9
        double usable = 81_559.0 * (1L << 20) * 0.9;
        for (Map<String, Object> st : stages) {
            double left = usable - (Double) st.get("weight_bytes_per_device") - (Double) st.get("activation_reserve_bytes_per_device");
            assertEquals((long) Math.floor(left / (16 * 65_536.0)), st.get("kv_cache_blocks"));
        }
        long fewest = Math.min((Long) stages.get(0).get("kv_cache_blocks"), (Long) stages.get(1).get("kv_cache_blocks"));
        assertEquals(fewest, group.get("kv_cache_blocks"), "the binding stage bounds the replica's cache");
        assertEquals(fewest / 2, group.get("kv_cache_blocks_per_engine"), "vLLM gives each virtual engine 1/pp of it");
        assertEquals(2L, setup.get("pp"));
        assertEquals(2L, setup.get("devices_used"));
    }

    @Test
    void badPipelinesAreLocatedErrors(@TempDir Path dir) throws IOException {
        ScenarioException layers = assertThrows(ScenarioException.class, () -> scenario(dir, 1, 16, 2, 3));
        assertTrue(layers.getMessage().contains("pp=3 does not divide the 32 layers of llama-3-8b"), layers.getMessage());
        assertTrue(layers.userMessage().contains("s.yaml:"), layers.userMessage());

        String twoNodes = String.format(SCENARIO, 1, 16, 2, 2).replace("count: 1", "count: 2")
                .replace("{ tp: 1, pp: 2 }", "{ tp: 8, pp: 2 }");
        ScenarioException network = assertThrows(ScenarioException.class, () -> load(dir, twoNodes));
        assertTrue(network.getMessage().contains("pipeline stages on different nodes"), network.getMessage());
        // with a network between the nodes the same layout loads: PP may span nodes
        load(dir, twoNodes.replace("count: 2 } ] }", "count: 2 } ], scale-out: { topology: fat-tree, nic: ib-ndr400 } }"));

        ScenarioException few = assertThrows(ScenarioException.class, () -> load(dir,
                String.format(SCENARIO, 1, 16, 2, 2).replace("{ tp: 1, pp: 2 }", "{ tp: 8, pp: 2 }")));
        assertTrue(few.getMessage().contains("need 16 devices but the cluster has 8"), few.getMessage());

        ScenarioException straddle = assertThrows(ScenarioException.class, () -> load(dir, twoNodes
                .replace("count: 2 } ] }", "count: 2 } ], scale-out: { topology: fat-tree, nic: ib-ndr400 } }")
                .replace("{ tp: 8, pp: 2 }", "{ tp: 3, pp: 4 }").replace("llama-3-8b", "gpt3-175b")));
        assertTrue(straddle.getMessage().contains("spans two"), straddle.getMessage());
    }
}
