package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.training.TrainingMemory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Optimizer offload runs on the node's memory tiers: ZeRO-Offload's states in host DRAM and ZeRO-Infinity's on the
 * NVMe tier, each accounted in memory_tiers, the NVMe step paying the drives' read and then write rate.
 */
class TrainingOffloadTiersTest {
    private static final Path CPU = Path.of("scenarios/validation/deepspeed/zero-offload-13b-v100-offload.yaml");
    /** One PM1743 (13 GB/s read, 6.6 GB/s write) behind PCIe Gen5 x4 (15.75 × 0.93 = 14.6 GB/s): the media bind. */
    private static final List<String> NVME = List.of("training.offload.optimizer=nvme",
            "cluster.nodes.0.tiers=[{memory: samsung-pm1743-15tb, link: pcie-gen5-x4}]");

    private static Map<String, Object> metrics(List<String> overrides) {
        Scenario s = ScenarioLoader.load(CPU, overrides);
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        assertTrue(r.complete());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tier(Map<String, Object> m, String name) {
        for (Object row : (List<Object>) m.get("memory_tiers")) {
            Map<String, Object> t = (Map<String, Object>) row;
            if (t.get("tier").equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no tier " + name);
    }

    private static double d(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    @Test
    void nvmeOffloadAddsTheStatesReadThenWrittenAtTheDrivesRates() {
        Map<String, Object> cpu = metrics(List.of());
        Map<String, Object> nvme = metrics(NVME);
        // ZeRO-2, dp 1: the one GPU's shard is the whole model
        double parameters = ScenarioLoader.load(CPU, List.of()).model().parameterCount();
        double states = TrainingMemory.optimizerStateBytes(parameters);
        // each way one flow: 70 us drive latency + 2 us PCIe + 110 ns DRAM, then the bytes at the media rate
        double latency = 70e-6 + 2e-6 + 110e-9;
        double expected = states / 13e9 + states / 6.6e9 + 2 * latency;
        assertEquals(expected, d(nvme, "step_time_s") - d(cpu, "step_time_s"), 1e-6 * expected);

        Map<String, Object> drive = tier(nvme, "nvme");
        assertEquals(states, d(drive, "peak_bytes"), 1);
        assertEquals(states, d(drive, "read_bytes"), 1, "one step reads the states once");
        assertEquals(states, d(drive, "write_bytes"), 1, "and writes them back once");
        // host DRAM: with cpu offload it holds the states and the fp16 gradient shard; with nvme only the gradients
        assertEquals(states + 2 * parameters, d(tier(cpu, "cpu"), "peak_bytes"), 1);
        assertEquals(2 * parameters, d(tier(nvme, "cpu"), "peak_bytes"), 1);
        // what leaves the GPU lands in DRAM and the updated fp16 weights come back: 2 bytes per parameter
        assertEquals(d(tier(cpu, "hbm"), "read_bytes"), d(tier(cpu, "cpu"), "write_bytes"), 1);
        assertEquals(2 * parameters, d(tier(cpu, "hbm"), "write_bytes"), 1);
        assertEquals(d(tier(cpu, "cpu"), "write_bytes") + states, d(tier(nvme, "cpu"), "write_bytes"), 1);
    }

    @Test
    void nvmeOffloadNeedsAnNvmeTierWithRoomForTheStates() {
        ScenarioException none = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load(CPU, List.of("training.offload.optimizer=nvme")));
        assertTrue(none.userMessage().contains("has none") && none.userMessage().contains("tiers"), none.userMessage());
        ScenarioException small = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(CPU, List.of(
                "training.offload.optimizer=nvme", "cluster.nodes.0.tiers=[{memory: {name: tiny, kind: ssd, capacity: "
                        + "100 GB, bandwidth: 1 GB/s, efficiency: 1, latency: 1us, sources: {capacity: test}}, "
                        + "link: pcie-gen3-x4}]")));
        assertTrue(small.userMessage().contains("NVMe tier of node 0") && small.userMessage().contains("93.1 GiB"),
                small.userMessage());
    }
}
