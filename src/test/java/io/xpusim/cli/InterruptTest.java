package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A run interrupted by SIGINT or SIGTERM leaves no run folder and no partial folder, and says so. */
@EnabledOnOs({OS.LINUX, OS.MAC})
class InterruptTest {
    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void interruptedRunLeavesNothingBehind(String signal, @TempDir Path dir) throws Exception {
        Path results = dir.resolve("results");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // a long run (a simulated day at 20 req/s, tens of seconds of wall time) with progress lines every 2 s
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Djava.awt.headless=true", "io.xpusim.cli.Main", "run", "scenarios/quickstart.yaml",
                "--results", results.toString(), "--set", "workload.duration=24h", "--set", "workload.arrivals.rate=20/s")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder err = new StringBuilder();
        try {
            signalMidRun(p, signal, err);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits after the signal");
        } finally {
            p.destroyForcibly();
        }
        assertNotEquals(0, p.exitValue());
        assertTrue(err.toString().contains("interrupted; no results were written"), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
        List<Path> left;
        try (Stream<Path> s = Files.exists(results) ? Files.walk(results) : Stream.empty()) {
            left = s.filter(Files::isRegularFile).toList();
        }
        assertEquals(List.of(), left, "no files left under results/");
        try (Stream<Path> s = Files.exists(results.resolve("quickstart")) ? Files.list(results.resolve("quickstart"))
                : Stream.empty()) {
            assertEquals(0, s.count(), "no run folder and no partial folder");
        }
    }

    /** Waits for the first progress line (so the run is mid-simulation), signals, and drains stderr. */
    private static void signalMidRun(Process p, String signal, StringBuilder err) throws IOException, InterruptedException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                err.append(line).append('\n');
                if (line.contains("simulated")) {
                    break;
                }
            }
            assertTrue(p.isAlive(), "still running when signalled; stderr: " + err);
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
            while ((line = r.readLine()) != null) {
                err.append(line).append('\n');
            }
        }
    }
}
