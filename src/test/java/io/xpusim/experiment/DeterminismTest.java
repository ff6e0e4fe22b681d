package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Same scenario and seed ⇒ byte-identical outputs (wall_time_s, the one measured field, aside). */
class DeterminismTest {
    private static final Path QUICKSTART = Path.of("scenarios/quickstart.yaml");

    private static List<String> run(Path dir, List<String> overrides) throws IOException {
        return run(QUICKSTART, dir, overrides);
    }

    private static List<String> run(Path scenario, Path dir, List<String> overrides) throws IOException {
        Scenario s = ScenarioLoader.load(scenario, overrides);
        return ScenarioRunner.writeOutputs(ScenarioRunner.simulate(s, RunLimits.NONE, null), dir);
    }

    @Test
    void sameSeedGivesIdenticalFiles(@TempDir Path a, @TempDir Path b) throws IOException {
        sameFiles(QUICKSTART, a, b);
    }

    @Test
    void trainingRunsGiveIdenticalFiles(@TempDir Path a, @TempDir Path b) throws IOException {
        sameFiles(Path.of("scenarios/training/gpt3-175b-1024-a100.yaml"), a, b);
    }

    private static void sameFiles(Path scenario, Path a, Path b) throws IOException {
        Locale saved = Locale.getDefault();
        List<String> fa = run(scenario, a, List.of());
        try {
            Locale.setDefault(Locale.GERMANY); // decimal comma must not leak into any output
            List<String> fb = run(scenario, b, List.of());
            assertEquals(fa, fb);
        } finally {
            Locale.setDefault(saved);
        }
        for (String f : fa) {
            byte[] x = Files.readAllBytes(a.resolve(f));
            byte[] y = Files.readAllBytes(b.resolve(f));
            if (f.equals("summary.json")) {
                x = withoutWallTime(x);
                y = withoutWallTime(y);
            }
            assertArrayEquals(x, y, f + " differs between two runs with the same seed");
        }
    }

    @Test
    void differentSeedGivesDifferentRequests(@TempDir Path a, @TempDir Path b) throws IOException {
        run(a, List.of());
        run(b, List.of("seed=43"));
        assertFalse(Arrays.equals(Files.readAllBytes(a.resolve("requests.csv")), Files.readAllBytes(b.resolve("requests.csv"))));
    }

    private static byte[] withoutWallTime(byte[] json) {
        return new String(json, java.nio.charset.StandardCharsets.UTF_8).replaceAll("\"wall_time_s\" : [0-9.eE-]+", "")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
