package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --chart-format svg}: every chart also as SVG beside its PNG, from run and sweep alike. */
class ChartFormatTest {
    @TempDir
    Path dir;

    private static List<String> names(Path d, String ext) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(ext)).map(n -> n.replaceFirst("\\.[a-z]+$", ""))
                    .sorted().toList();
        }
    }

    @Test
    void svgBesideEveryPng() throws Exception {
        SweepCommandTest.Outcome run = SweepCommandTest.run("run", "scenarios/quickstart.yaml", "--set", "workload.duration=10s",
                "--out", dir.resolve("run").toString(), "--chart-format", "svg", "-q");
        assertEquals(0, run.code(), run.err());
        assertEquals(names(dir.resolve("run"), ".png"), names(dir.resolve("run"), ".svg"));
        assertTrue(names(dir.resolve("run"), ".svg").size() >= 8);
        SweepCommandTest.Outcome sweep = SweepCommandTest.run("sweep", SweepCommandTest.EXAMPLE, "--set", "workload.duration=10s",
                "--out", dir.resolve("sweep").toString(), "--chart-format", "svg", "-q");
        assertEquals(0, sweep.code(), sweep.err());
        assertEquals(names(dir.resolve("sweep"), ".png"), names(dir.resolve("sweep"), ".svg"));
        SweepCommandTest.Outcome png = SweepCommandTest.run("run", "scenarios/quickstart.yaml", "--set", "workload.duration=10s",
                "--out", dir.resolve("png").toString(), "-q");
        assertEquals(0, png.code(), png.err());
        assertEquals(List.of(), names(dir.resolve("png"), ".svg"), "PNG only by default");
        assertEquals(2, SweepCommandTest.run("run", "scenarios/quickstart.yaml", "--chart-format", "jpeg").code());
    }
}
