package io.xpusim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shipped profile and model loads strictly, every number in a profile names its source, and dense
 * models' parameter counts computed from their hyperparameters match the published counts.
 */
class ProfileCatalogTest {
    private final ProfileLibrary lib = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    @Test
    void everyProfileAndModelLoads() {
        for (String kind : List.of("nodes", "devices", "memories", "links", "models")) {
            List<String> lines = ProfileSummaries.lines(lib, kind);
            assertFalse(lines.isEmpty(), kind);
            for (String line : lines) {
                assertFalse(line.contains("INVALID"), line);
            }
        }
        for (String node : List.of("dgx-a100", "dgx-h100", "hgx-h200", "gh200", "h100-pcie-server", "mi300x-8")) {
            assertTrue(lib.names("nodes").contains(node), "node template " + node + " (issue 2 list)");
        }
    }

    @Test
    void everyNumericFieldOfAProfileHasASource() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("hardware-profiles"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                YamlNode.Mapping root = (YamlNode.Mapping) YamlReader.readFile(f, f.toString());
                YamlNode.Mapping sources = (YamlNode.Mapping) root.get("sources");
                for (Map.Entry<String, YamlNode> e : root.entries().entrySet()) {
                    if (e.getKey().equals("sources")) {
                        continue;
                    }
                    checkSourced(f, e.getKey(), e.getValue(), sources);
                }
            }
        }
    }

    /** A scalar starting with a digit needs a source under its own key, a dotted key, or its parent's key. */
    private static void checkSourced(Path f, String key, YamlNode value, YamlNode.Mapping sources) {
        if (value instanceof YamlNode.Mapping m) {
            for (Map.Entry<String, YamlNode> e : m.entries().entrySet()) {
                if (sources.get(key) == null) {
                    checkSourced(f, key + "." + e.getKey(), e.getValue(), sources);
                }
            }
        } else if (value instanceof YamlNode.Scalar s && !s.text().isEmpty() && Character.isDigit(s.text().charAt(0))) {
            String parent = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
            assertTrue(sources.get(key) != null || sources.get(parent) != null, f + ": '" + key + "' has no source");
        }
    }

    @Test
    void modelParameterCountsMatchPublishedCounts() {
        int checked = 0;
        for (String name : lib.names("models")) {
            ModelSpec m = lib.model(ref(name), "model").value();
            double rel = m.parameterCount() / m.publishedParameters() - 1;
            // published counts are rounded (OPT-13B is "13B" for 12.85 B): 1.5% covers the rounding
            assertTrue(Math.abs(rel) < 0.015, name + ": computed " + m.parameterCount() + " vs published "
                    + m.publishedParameters());
            checked++;
        }
        assertTrue(checked >= 15, "all catalog models checked, MoE and MLA included: " + checked);
    }

    @Test
    void llama3With8bExactCountAndKvBytes() {
        ModelSpec m = lib.model(ref("llama-3-8b"), "model").value();
        // 32 × (4096·4096 + 2·4096·1024 + 4096·4096 + 3·4096·14336 + 2·4096) + 2·128256·4096 + 4096
        assertEquals(8_030_261_248.0, m.parameterCount(), 0.5);
        assertEquals(131_072.0, m.kvBytesPerTokenPerRank(1, io.xpusim.units.Precision.BF16), 0.0);
    }
}
