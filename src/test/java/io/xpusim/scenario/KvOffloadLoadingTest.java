package io.xpusim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.serving.KvOffload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scheduler.preemption and strategy.kv-offload from YAML: defaults, and located refusals. */
class KvOffloadLoadingTest {
    @TempDir
    Path dir;

    static final String SCENARIO = """
            schema: xpusim/v1
            name: kv
            seed: 1
            cluster:
              nodes:
                - template: dgx-h100
                  tiers: [ { memory: micron-cz120-256gb, count: 2, link: cxl-gen5-x8 } ]
            model: llama-3-8b
            workload:
              arrivals: { process: poisson, rate: 5/s }
              input-tokens: { distribution: fixed, tokens: 100 }
              output-tokens: { distribution: fixed, tokens: 10 }
              requests: 5
            strategy:
            %s
            """;

    private KvOffload load(String strategy) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(SCENARIO, strategy.indent(2).stripTrailing()));
        return ScenarioLoader.load(f, List.of()).serving().kvOffload();
    }

    private String bad(String strategy) {
        return assertThrows(ScenarioException.class, () -> load(strategy)).userMessage();
    }

    @Test
    void defaults() throws IOException {
        assertNull(load("scheduler: { policy: vllm }"), "recompute unless asked");
        KvOffload vllm = load("scheduler: { policy: vllm, preemption: swap }");
        assertEquals(List.of("cpu"), vllm.tiers());
        assertEquals(8 * 4.0 * (1L << 30), vllm.capacityBytes("cpu"), 1, "vLLM's swap space: 4 GiB per GPU");
        KvOffload tiers = load("kv-offload: { tiers: [cpu, cxl], capacity: { cpu: 64GiB } }");
        assertEquals(List.of("cpu", "cxl"), tiers.tiers(), "kv-offload implies preemption: swap");
        assertEquals(64.0 * (1L << 30), tiers.capacityBytes("cpu"), 1);
        assertEquals(2 * 256e9, tiers.capacityBytes("cxl"), 1, "default: the whole tier on the node");
        assertEquals("first-fit", tiers.policy());
    }

    @Test
    void refusals() {
        assertTrue(bad("scheduler: { preemption: recompute }\nkv-offload: { tiers: [cpu] }")
                .contains("set scheduler.preemption: swap"));
        assertTrue(bad("kv-offload: { tiers: [nvme] }").contains("has no memory tier 'nvme'"));
        assertTrue(bad("kv-offload: { tiers: [cpu], capacity: { cpu: 3TiB } }").contains("tier cpu has 2048.0 GiB"));
        assertTrue(bad("scheduler: { policy: orca, preemption: swap }").contains("vllm or sarathi"));
        assertTrue(bad("kv-offload: { tiers: [cpu], polcy: lru }").contains("did you mean 'policy'"));
        assertTrue(bad("kv-offload: { tiers: [cpu], policy: mru }").contains("did you mean 'lru'"));
        assertTrue(bad("scheduler: { prefix-caching: true }\nkv-offload: { tiers: [cpu] }").contains("prefix caching"));
        String line = bad("kv-offload: { tiers: [hbm] }");
        assertTrue(line.contains("s.yaml:") && line.contains("'hbm' is where the KV cache lives"), line);
    }
}
