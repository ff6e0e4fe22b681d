package io.xpusim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.MemoryKind;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.TierSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory tiers from YAML: a node group adds tiers to its template, and bad tiers are refused at the offending key. */
class MemoryTierLoadingTest {
    @TempDir
    Path dir;

    static final String SCENARIO = """
            schema: xpusim/v1
            name: tiers
            seed: 1
            cluster:
              nodes:
                - template: dgx-h100
                  tiers:
            %s
            model: llama-3-8b
            workload:
              arrivals: { process: poisson, rate: 5/s }
              input-tokens: { distribution: fixed, tokens: 100 }
              output-tokens: { distribution: fixed, tokens: 10 }
              requests: 5
            strategy: { parallelism: { tp: 1 } }
            """;

    private Scenario load(String tiers) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(SCENARIO, tiers.indent(8).stripTrailing()));
        return ScenarioLoader.load(f, List.of());
    }

    private ScenarioException bad(String tiers) {
        return assertThrows(ScenarioException.class, () -> load(tiers));
    }

    @Test
    void groupTiersJoinTheTemplate() throws IOException {
        Scenario s = load("""
                - { memory: micron-cz120-256gb, count: 4, link: cxl-gen5-x8 }
                - { name: scratch, memory: samsung-pm1743-15tb, count: 2, link: pcie-gen5-x4 }
                - { memory: samsung-smartssd-3.84tb, link: pcie-gen3-x4, engine: smartssd-ku15p }""");
        NodeProfile p = s.nodes().get(0).profile();
        assertEquals(List.of("cxl", "scratch", "csd"), p.tiers().stream().map(TierSpec::name).toList());
        assertEquals(4 * 256e9, p.tier("cxl").capacityBytes(), 1);
        assertEquals(MemoryKind.SSD, p.tier("scratch").memory().kind());
        assertEquals(6.6e9, p.tier("scratch").memory().writeBandwidthBytesPerSecond(), 1);
        assertEquals("upi-4x16gt", p.socketLink().name());
        Cluster c = Cluster.build(s.nodes());
        assertEquals(4, c.nodes().get(0).units("cxl").size());
        assertTrue(c.nodes().get(0).units("csd").get(0).engine() != null, "the drive's engine is a compute resource");
        assertEquals("ddr4-smartssd-4gb", c.nodes().get(0).units("csd").get(0).engineProfile().memory().name());
    }

    @Test
    void runYamlKeepsTheTiers() throws IOException {
        Scenario s = load("- { memory: micron-cz120-256gb, count: 2, link: cxl-gen5-x8 }");
        Path out = dir.resolve("run.yaml");
        io.xpusim.report.YamlTreeWriter.write(out, "test", s.resolvedYaml());
        Scenario again = ScenarioLoader.load(out, List.of());
        assertEquals(s.nodes().get(0).profile().tiers(), again.nodes().get(0).profile().tiers());
    }

    @Test
    void hostDramIsNotATier() {
        ScenarioException e = bad("- { memory: ddr5-4800-8ch, link: cxl-gen5-x8 }");
        assertTrue(e.userMessage().contains("cluster.nodes.0.tiers.0.memory") && e.userMessage().contains("ddr memory"),
                e.userMessage());
    }

    @Test
    void unknownKeysAndDuplicateNamesAreLocated() {
        ScenarioException e = bad("- { memory: micron-cz120-256gb, cout: 2, link: cxl-gen5-x8 }");
        assertTrue(e.userMessage().contains("unknown key 'cluster.nodes.0.tiers.0.cout'") && e.userMessage().contains("count"),
                e.userMessage());
        e = bad("""
                - { memory: micron-cz120-256gb, link: cxl-gen5-x8 }
                - { memory: samsung-cmm-d-256gb, link: cxl-gen5-x8 }""");
        assertTrue(e.userMessage().contains("two tiers are named 'cxl'"), e.userMessage());
        e = bad("- { name: cpu, memory: micron-cz120-256gb, link: cxl-gen5-x8 }");
        assertTrue(e.userMessage().contains("tier name 'cpu'"), e.userMessage());
        e = bad("- { memory: micron-cz120-256gb, link: nvlink4 }");
        assertTrue(e.userMessage().contains("attaches to the host by PCIe or CXL"), e.userMessage());
        e = bad("- { memory: micron-cz120-256gb, link: cxl-gen5-x8, engine: smartssd-ku15p }");
        assertTrue(e.userMessage().contains("engine"), e.userMessage());
    }
}
