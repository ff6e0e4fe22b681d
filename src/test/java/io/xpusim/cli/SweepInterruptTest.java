package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/**
 * A sweep stopped by SIGINT mid-run keeps only complete stored runs, and the same command resumes it: the runs
 * already stored are reused, the rest simulated, and the table equals an uninterrupted sweep's.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SweepInterruptTest {
    @TempDir
    Path dir;

    @Test
    void anInterruptedSweepResumesWhereItStopped() throws Exception {
        Path out = dir.resolve("sweep");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // one thread and full two-minute runs: 45 runs take several seconds, time enough to interrupt
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true",
                "io.xpusim.cli.Main", "sweep", SweepCommandTest.EXAMPLE, "--threads", "1", "--out", out.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder err = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                err.append(line).append('\n');
                if (line.contains("running")) {
                    break; // the first run has been stored
                }
            }
            assertTrue(p.isAlive(), "still running when signalled: " + err);
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            while ((line = r.readLine()) != null) {
                err.append(line).append('\n');
            }
        } finally {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits after the signal");
            p.destroyForcibly();
        }
        assertTrue(err.toString().contains("interrupted; finished runs are kept"), err.toString());
        assertTrue(!Files.exists(out.resolve("sweep.csv")), "no table from a sweep that did not finish");
        int stored;
        try (Stream<Path> s = Files.list(out.resolve("points"))) {
            List<Path> runs = s.filter(x -> !x.getFileName().toString().startsWith(".")).toList();
            for (Path run : runs) {
                assertTrue(Files.isRegularFile(run.resolve("summary.json")) && Files.isRegularFile(run.resolve("run.yaml")),
                        "a stored run is complete: " + run);
            }
            stored = runs.size();
        }
        assertTrue(stored >= 1 && stored < 45, "interrupted mid-sweep: " + stored + " of 45 runs stored");

        SweepCommandTest.Outcome resumed = SweepCommandTest.run("sweep", SweepCommandTest.EXAMPLE, "--out", out.toString(), "-q");
        assertEquals(0, resumed.code(), resumed.err());
        Matcher m = Pattern.compile("(\\d+) runs simulated, (\\d+) reused").matcher(resumed.out());
        assertTrue(m.find(), resumed.out());
        assertEquals(stored, Integer.parseInt(m.group(2)), "every stored run reused");
        assertEquals(45 - stored, Integer.parseInt(m.group(1)), "only the others simulated");
        SweepCommandTest.Outcome clean = SweepCommandTest.run("sweep", SweepCommandTest.EXAMPLE, "--out",
                dir.resolve("clean").toString(), "-q");
        assertEquals(0, clean.code(), clean.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("clean/sweep.csv")), Files.readAllBytes(out.resolve("sweep.csv")));
    }
}
