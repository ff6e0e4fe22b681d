package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code --shard i/3} runs as separate processes (as a Slurm array or an Indexed Job would start them),
 * merged, give byte for byte the sweep.json, sweep.csv and charts of one process running the whole sweep.
 */
class SweepShardTest {
    @TempDir
    Path dir;

    @Test
    void mergedShardsEqualASingleRun() throws Exception {
        SweepCommandTest.Outcome single = SweepCommandTest.run("sweep", SweepCommandTest.EXAMPLE, "--set",
                SweepCommandTest.SHORT, "--out", dir.resolve("single").toString(), "-q");
        assertEquals(0, single.code(), single.err());

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<Process> shards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            shards.add(new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    "-Djava.awt.headless=true", "io.xpusim.cli.Main", "sweep", SweepCommandTest.EXAMPLE, "--set",
                    SweepCommandTest.SHORT, "--shard", i + "/3", "--threads", "1", "--out", dir.resolve("shard" + i).toString(),
                    "-q").redirectErrorStream(true).redirectOutput(dir.resolve("shard" + i + ".log").toFile()).start());
        }
        for (int i = 0; i < 3; i++) {
            Process p = shards.get(i);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "shard " + i + " finishes");
            assertEquals(0, p.exitValue(), Files.readString(dir.resolve("shard" + i + ".log")));
        }
        String log = Files.readString(dir.resolve("shard1.log"));
        assertTrue(log.contains("5 of 15 points (shard 1/3)") && log.contains("xpusim merge"), log);
        assertTrue(!Files.exists(dir.resolve("shard1/sweep.csv")), "a shard writes no table of its own");

        SweepCommandTest.Outcome incomplete = SweepCommandTest.run("merge", dir.resolve("shard0").toString(),
                dir.resolve("shard2").toString(), "--out", dir.resolve("partial").toString());
        assertEquals(2, incomplete.code());
        assertTrue(incomplete.err().startsWith("xpusim: 5 of 15 points are in none of the folders (first: [1, 4, 7, 10, 13])"),
                incomplete.err());

        SweepCommandTest.Outcome merged = SweepCommandTest.run("merge", dir.resolve("shard0").toString(),
                dir.resolve("shard1").toString(), dir.resolve("shard2").toString(), "--out", dir.resolve("merged").toString());
        assertEquals(0, merged.code(), merged.err());
        assertTrue(merged.out().contains("merged 15 points from 3 folder(s)"), merged.out());
        for (String f : List.of("sweep.csv", "sweep.json", "sweep_workload_arrivals_rate.png",
                "sweep_strategy_scheduler_max_seqs.png", "heatmap_ttft_s_p90.png", "pareto.png", "report.html")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("single").resolve(f)), Files.readAllBytes(dir.resolve("merged")
                    .resolve(f)), f + ": merged shards differ from the single run");
        }
        try (var s = Files.list(dir.resolve("merged/points"))) {
            assertEquals(45, s.count(), "the merged folder holds every stored run, like the single run's");
        }
        // a stored run missing from every folder: refused before anything is copied, no output folder left behind
        try (var s = Files.list(dir.resolve("shard1/points"))) {
            Path gone = s.sorted().findFirst().orElseThrow();
            try (var f = Files.walk(gone)) {
                f.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
        SweepCommandTest.Outcome broken = SweepCommandTest.run("merge", dir.resolve("shard0").toString(),
                dir.resolve("shard1").toString(), dir.resolve("shard2").toString(), "--out", dir.resolve("broken").toString());
        assertEquals(2, broken.code(), broken.err());
        assertTrue(broken.err().contains("is in none of the folders' points/"), broken.err());
        assertFalse(Files.exists(dir.resolve("broken")), "nothing half-written");

        Files.writeString(dir.resolve("other.yaml"), "base: " + Path.of("scenarios/quickstart.yaml").toAbsolutePath()
                + "\nsweep: { grid: { workload.arrivals.rate: [2/s] } }\n");
        SweepCommandTest.Outcome other = SweepCommandTest.run("sweep", dir.resolve("other.yaml").toString(), "--set",
                SweepCommandTest.SHORT, "--out", dir.resolve("other").toString(), "-q");
        assertEquals(0, other.code(), other.err());
        SweepCommandTest.Outcome mixed = SweepCommandTest.run("merge", dir.resolve("shard0").toString(),
                dir.resolve("other").toString());
        assertEquals(2, mixed.code());
        assertTrue(mixed.err().contains("holds a different sweep"), mixed.err());
        assertEquals(2, SweepCommandTest.run("merge", dir.resolve("nothing-here").toString()).code());
        // a shard run with other --set values is another sweep: its points must not be mixed in
        SweepCommandTest.Outcome otherSet = SweepCommandTest.run("sweep", SweepCommandTest.EXAMPLE, "--set",
                "workload.duration=10s", "--shard", "1/3", "--out", dir.resolve("other-set").toString(), "-q");
        assertEquals(0, otherSet.code(), otherSet.err());
        SweepCommandTest.Outcome wrongSet = SweepCommandTest.run("merge", dir.resolve("shard0").toString(),
                dir.resolve("other-set").toString(), dir.resolve("shard2").toString());
        assertEquals(2, wrongSet.code());
        assertTrue(wrongSet.err().contains("run with the same --set"), wrongSet.err());
    }
}
