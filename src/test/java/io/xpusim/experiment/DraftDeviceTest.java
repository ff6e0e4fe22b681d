package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.serving.StepCostModel;
import io.xpusim.units.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the speculative draft runs (speculative.device): llama-3.2-1b drafting k = 4 tokens for llama-3-8b on one H100
 * of a DGX H100, host overheads zeroed. On a spare H100 or on the node's Xeon 8480+ the draft's passes cost that
 * device's roofline, and its proposals and the verified tokens cross NVLink or PCIe.
 */
class DraftDeviceTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: draft-device
            seed: 5
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 1
              input-tokens: { distribution: fixed, tokens: 200 }
              output-tokens: { distribution: fixed, tokens: 101 }
            strategy:
              replicas: %d
              speculative: { draft: llama-3.2-1b, tokens: 4, acceptance: 0.5, device: %s }
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
            outputs: { charts: false }
            """;

    private static Scenario load(Path dir, int replicas, String device) throws IOException {
        Files.writeString(dir.resolve("s.yaml"), String.format(SCENARIO, replicas, device));
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    private static RunResult run(Path dir, String device) throws IOException {
        return ScenarioRunner.simulate(load(dir, 1, device), RunLimits.NONE, null);
    }

    /** One decode pass of the draft for one sequence at {@code context} on {@code device}, by its own roofline. */
    private static double draftPass(Scenario s, DeviceProfile device, long context) {
        var c = s.serving();
        Precision math = device.peakFlopsPerSecond(c.activations()) > 0 ? c.activations() : Precision.FP32;
        ForwardPass pass = new ForwardPass(c.speculation().draft(), 1, c.weights(), c.activations(), c.kvCache());
        return new StepCostModel(pass, new RooflineCostModel(device, math), io.xpusim.serving.HostLaunchCosts.NONE).cost(BatchShape.decode(1, context))
                .deviceSeconds();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    private static double decodeSeconds(RunResult r) {
        RequestRecord q = r.recorder().requests().get(0);
        return q.e2eSeconds() - q.ttftSeconds();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDraftOnTheHostCpuIsSlowerByTheRatioOfTheCostModels(@TempDir Path dir) throws IOException {
        RunResult gpu = run(dir, "spare");
        RunResult cpu = run(dir, "host-cpu");
        Scenario s = cpu.scenario();
        // the same acceptance draws (stream speculation/replica0) give the same number of verification steps
        long steps = (Long) metrics(cpu).get("spec_decode_verifications");
        assertEquals(steps, metrics(gpu).get("spec_decode_verifications"));
        DeviceProfile h100 = s.nodes().get(0).profile().device();
        DeviceProfile xeon = s.nodes().get(0).profile().cpu();
        // a batch-1 draft pass reads the 1B model's 2.5 GB of weights: ~0.8 ms on HBM3, ~14 ms on 8-channel DDR5
        long context = 200 + 100 / 2;
        double onGpu = draftPass(s, h100, context);
        double onCpu = draftPass(s, xeon, context);
        double ratio = onCpu / onGpu;
        assertTrue(ratio > 10 && ratio < 30, "DDR5 vs HBM3: " + ratio);
        // each step runs k = 4 draft passes; everything else in the step is the same in both runs but the copies
        double expected = steps * 4 * (onCpu - onGpu);
        assertEquals(expected, decodeSeconds(cpu) - decodeSeconds(gpu), 0.02 * expected,
                "the CPU draft costs the step (CPU pass − GPU pass) × k");

        Map<String, Object> hw = (Map<String, Object>) ((List<Map<String, Object>>) metrics(cpu).get("per_replica")).get(0)
                .get("hardware");
        assertEquals("node0/cpu0 (xeon-8480plus)", hw.get("draft_on"));
        Map<String, Object> hwGpu = (Map<String, Object>) ((List<Map<String, Object>>) metrics(gpu).get("per_replica"))
                .get(0).get("hardware");
        assertEquals("node0/gpu1 (h100-sxm)", hwGpu.get("draft_on"));

        // the CPU draft's passes occupy every core of the socket: host_cpu_utilisation counts them beside the host threads
        double seconds = (Double) cpu.summary().get("simulated_time_s");
        double cores = xeon.cores();
        double draftCores = steps * 4 * onCpu * cores / (cores * seconds);
        double withDraft = (Double) metrics(cpu).get("host_cpu_utilisation");
        double without = (Double) metrics(gpu).get("host_cpu_utilisation") * (Double) gpu.summary().get("simulated_time_s")
                / seconds;
        assertEquals(draftCores, withDraft - without, 0.05 * draftCores + 0.01, "the draft's share of the socket");
        assertTrue(withDraft <= 1, "at most every core");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDraftOnASpareGpuFreesTheTargetsMemoryAndAddsOnlyTheCopies(@TempDir Path dir) throws IOException {
        RunResult same = run(dir, "same");
        RunResult spare = run(dir, "spare");
        long steps = (Long) metrics(spare).get("spec_decode_verifications");
        assertEquals(steps, metrics(same).get("spec_decode_verifications"));
        // same device passes on the same H100 model: the spare one adds two small NVLink copies per step
        double perStep = (decodeSeconds(spare) - decodeSeconds(same)) / steps;
        assertTrue(perStep > 0 && perStep < 50e-6, "two token-id copies per step: " + perStep * 1e6 + " µs");
        Map<String, Object> a = (Map<String, Object>) same.summary().get("setup");
        Map<String, Object> b = (Map<String, Object>) spare.summary().get("setup");
        assertTrue((Long) b.get("kv_cache_blocks") > (Long) a.get("kv_cache_blocks"),
                "the draft's weights and KV leave the target's memory");
        assertEquals(2L, b.get("devices_used"), "the target's GPU and the draft's");
    }

    @Test
    void aSpareDeviceMustExist(@TempDir Path dir) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load(dir, 8, "spare"));
        assertTrue(e.getMessage().contains("16 devices") && e.getMessage().contains("spare"), e.getMessage());
        ScenarioException typo = assertThrows(ScenarioException.class, () -> load(dir, 1, "cpu"));
        assertTrue(typo.userMessage().contains("host-cpu"), typo.userMessage());
    }
}
