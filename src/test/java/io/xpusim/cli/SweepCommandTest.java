package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.report.HtmlChecks;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xpusim sweep} end to end on the example quickstart sweep (shortened to 20 simulated seconds per run):
 * the table's shape and physics, thread-count independence, resuming, and the errors it reports.
 */
class SweepCommandTest {
    static final String EXAMPLE = "scenarios/sweeps/quickstart-rate-maxseqs.yaml";
    static final String SHORT = "workload.duration=20s";

    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    /** sweep.csv as rows of fields (no field of the example holds a comma). */
    static List<List<String>> csv(Path file) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            rows.add(List.of(line.split(",", -1)));
        }
        return rows;
    }

    static double cell(List<List<String>> t, int row, String column) {
        return Double.parseDouble(t.get(row + 1).get(t.get(0).indexOf(column)));
    }

    @Test
    void exampleSweepWritesOneRowPerPointWithIntervalsAndCharts() throws Exception {
        Outcome o = run("sweep", EXAMPLE, "--set", SHORT, "--out", dir.resolve("a").toString(), "-q");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("15 of 15 points × 3 replication(s)") && o.out().contains("45 runs simulated, 0 reused"),
                o.out());
        List<List<String>> t = csv(dir.resolve("a/sweep.csv"));
        List<String> h = t.get(0);
        assertEquals(List.of("point", "workload.arrivals.rate", "strategy.scheduler.max-seqs", "replications"), h.subList(0, 4));
        assertEquals(List.of("fits", "error"), h.subList(h.size() - 2, h.size()));
        assertTrue(h.contains("ttft_s.p90.ci95_low") && h.contains("slo.all_met.ci95_high"), h.toString());
        assertEquals(16, t.size());
        for (int p = 0; p < 15; p++) {
            assertEquals(String.valueOf(p), t.get(p + 1).get(0));
            assertEquals("3", t.get(p + 1).get(3));
            assertEquals("1", t.get(p + 1).get(h.size() - 2));
            double mean = cell(t, p, "throughput_requests_per_s");
            assertTrue(cell(t, p, "throughput_requests_per_s.ci95_low") <= mean
                    && mean <= cell(t, p, "throughput_requests_per_s.ci95_high"));
            assertTrue(cell(t, p, "device_utilisation") <= 1.0);
        }
        // last parameter fastest: point 4 is the second rate with the second max-seqs
        assertEquals(List.of("4/s", "64"), t.get(5).subList(1, 3));
        // under light load every request is served: completed req/s ≈ the arrival rate (Poisson noise over 20 s,
        // about 40 requests at 2/s: ±30%)
        for (int p = 0; p < 3; p++) {
            assertEquals(2.0, cell(t, p, "throughput_requests_per_s"), 0.6, "point " + p);
        }
        // 16 sequences at a time cannot keep up with 10/s: the queue, and TTFT, grow with the rate
        double previous = 0;
        for (int p = 0; p < 15; p += 3) {
            double ttft = cell(t, p, "ttft_s.p90");
            assertTrue(ttft >= previous, "TTFT p90 at max-seqs 16 rises with the rate: " + ttft + " after " + previous);
            previous = ttft;
        }
        assertTrue(cell(t, 12, "ttft_s.p90") > 10 * cell(t, 14, "ttft_s.p90"), "at 10/s max-seqs 16 queues, 256 does not");
        // saturated at 16 running sequences, each decode step emits 16 tokens: throughput ≈ 16 / TPOT (prefills
        // interleaved take some steps, hence the tolerance)
        double saturated = 16 / cell(t, 12, "tpot_s.mean");
        assertEquals(saturated, cell(t, 12, "throughput_output_tokens_per_s"), 0.15 * saturated);

        JsonNode m = new ObjectMapper().readTree(dir.resolve("a/sweep.json").toFile());
        JsonNode runs = m.get("points").get(0).get("runs");
        assertEquals(42, runs.get(0).get("seed").asLong(), "replication 0 keeps the scenario's seed");
        Set<Long> seeds = new HashSet<>();
        runs.forEach(r -> seeds.add(r.get("seed").asLong()));
        assertEquals(3, seeds.size(), "each replication has its own seed");
        try (Stream<Path> s = Files.list(dir.resolve("a/points"))) {
            assertEquals(45, s.count(), "one stored run per point and replication");
        }
        for (String chart : List.of("sweep_workload_arrivals_rate.png", "sweep_strategy_scheduler_max_seqs.png",
                "heatmap_ttft_s_p90.png", "heatmap_throughput_output_tokens_per_s.png", "pareto.png")) {
            byte[] png = Files.readAllBytes(dir.resolve("a").resolve(chart));
            assertTrue(png.length > 5000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', chart);
        }
        assertEquals(6, HtmlChecks.check(dir.resolve("a/report.html")), "the report embeds the six charts");
        String html = Files.readString(dir.resolve("a/report.html"));
        assertTrue(html.contains("<td>2/s</td>") || html.contains("<td class=\"num\">2/s</td>"), "the points table");
    }

    @Test
    void outputsAreByteIdenticalWhateverTheThreadCountAndAResumeReusesEveryRun() throws IOException {
        List<String> files = List.of("sweep.csv", "sweep.json", "sweep_workload_arrivals_rate.png", "heatmap_tpot_s_p90.png",
                "pareto.png", "report.html");
        Outcome one = run("sweep", EXAMPLE, "--set", SHORT, "--threads", "1", "--out", dir.resolve("t1").toString(), "-q");
        assertEquals(0, one.code(), one.err());
        for (String threads : List.of("2", "5")) {
            Outcome o = run("sweep", EXAMPLE, "--set", SHORT, "--threads", threads, "--out", dir.resolve("t" + threads).toString(),
                    "-q");
            assertEquals(0, o.code(), o.err());
            for (String f : files) {
                assertArrayEquals(Files.readAllBytes(dir.resolve("t1").resolve(f)),
                        Files.readAllBytes(dir.resolve("t" + threads).resolve(f)), f + " with " + threads + " threads");
            }
        }
        // a second run into the same folder simulates nothing and writes the same table
        byte[] before = Files.readAllBytes(dir.resolve("t1/sweep.csv"));
        Outcome again = run("sweep", EXAMPLE, "--set", SHORT, "--out", dir.resolve("t1").toString(), "-q");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("0 runs simulated, 45 reused"), again.out());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("t1/sweep.csv")));
        // an interrupted sweep resumes: drop some stored runs, rerun, only those run again
        try (Stream<Path> s = Files.list(dir.resolve("t1/points"))) {
            for (Path p : s.sorted().limit(7).toList()) {
                try (Stream<Path> f = Files.walk(p)) {
                    f.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
                }
            }
        }
        Files.write(dir.resolve("t1/heatmap_of_an_axis_since_removed.png"), new byte[] {1});
        Outcome resumed = run("sweep", EXAMPLE, "--set", SHORT, "--out", dir.resolve("t1").toString(), "-q");
        assertTrue(resumed.out().contains("7 runs simulated, 38 reused"), resumed.out());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("t1/sweep.csv")));
        assertFalse(Files.exists(dir.resolve("t1/heatmap_of_an_axis_since_removed.png")), "a chart the sweep no longer draws");
        assertTrue(Files.exists(dir.resolve("t1/pareto.png")));
    }

    @Test
    void aBadValueIsRecordedAtItsLineAndTheSweepGoesOn() throws IOException {
        Path f = dir.resolve("bad-values.yaml");
        Files.writeString(f, """
                base: %s
                sweep:
                  grid:
                    strategy.parallelism.tp: [1, 3]
                    workload.arrivals.rate: [2/s, fast]
                """.formatted(Path.of("scenarios/quickstart.yaml").toAbsolutePath()));
        Outcome o = run("sweep", f.toString(), "--set", SHORT, "--out", dir.resolve("b").toString(), "-q");
        assertEquals(0, o.code(), o.err());
        List<List<String>> t = csv(dir.resolve("b/sweep.csv"));
        int fits = t.get(0).indexOf("fits");
        assertEquals("1", t.get(1).get(fits));
        assertEquals("", t.get(1).get(fits + 1), "no error on a point that ran");
        String err = String.join(",", t.get(2).subList(fits + 1, t.get(2).size()));
        assertEquals("0", t.get(2).get(fits));
        assertTrue(err.startsWith(f + ":5:35: 'workload.arrivals.rate': 'fast' is not a rate"), err);
        String tp = String.join(",", t.get(3).subList(fits + 1, t.get(3).size()));
        assertTrue(tp.contains(f + ":4:34: tp=3 does not divide the 32 attention heads"), tp);
        assertEquals("0", t.get(3).get(t.get(0).indexOf("replications")));
    }

    @Test
    void valuesThatClashWithAnotherAxisAreThatPointsErrorAndValidateSaysSo() throws IOException {
        // swap preemption (created by the kv-offload axis at its grid key) with the static scheduler: those points fail,
        // the vllm ones run — the error is about the combination, not about the path
        Path f = dir.resolve("clash.yaml");
        Files.writeString(f, """
                base: %s
                sweep:
                  grid:
                    strategy.scheduler.policy: [vllm, static]
                    strategy.kv-offload.policy: [first-fit, lru]
                """.formatted(Path.of("scenarios/quickstart.yaml").toAbsolutePath()));
        Outcome o = run("sweep", f.toString(), "--set", SHORT, "--out", dir.resolve("clash").toString(), "-q");
        assertEquals(0, o.code(), o.err());
        List<List<String>> t = csv(dir.resolve("clash/sweep.csv"));
        int fits = t.get(0).indexOf("fits");
        assertEquals(List.of("1", "1", "0", "0"), List.of(t.get(1).get(fits), t.get(2).get(fits), t.get(3).get(fits),
                t.get(4).get(fits)));
        assertTrue(t.get(3).get(fits + 1).contains("preemption by swap runs with the vllm or sarathi scheduler"), t.get(3).toString());
        // a plan into this sweep's folder (or a sweep into a plan's) would overwrite its report and charts
        Files.writeString(dir.resolve("plan.yaml"), "base: " + Path.of("scenarios/quickstart.yaml").toAbsolutePath()
                + "\nplan: { target-load: 5/s, hardware: [dgx-h100] }\n");
        Outcome plan = run("plan", dir.resolve("plan.yaml").toString(), "--out", dir.resolve("clash").toString(), "-q");
        assertEquals(2, plan.code());
        assertEquals("xpusim: --out " + dir.resolve("clash") + " holds a sweep (sweep.json); give each sweep and plan a "
                + "folder of its own", plan.err().strip());
        Outcome v = run("validate", f.toString(), "--set", SHORT);
        assertEquals(0, v.code(), v.err());
        assertTrue(v.out().contains("; 2 point(s) will not run (their error goes into sweep.csv)"), v.out());
        assertTrue(v.err().contains("point 2 will not run: " + f + ":5:5: preemption by swap"), v.err());
    }

    @Test
    void anUnknownPathStopsTheSweepBeforeItRunsWithItsLocation() throws IOException {
        Path f = dir.resolve("bad-path.yaml");
        Files.writeString(f, """
                base: %s
                sweep:
                  grid:
                    workload.arrivals.rate: [2/s, 4/s]
                    strategy.parallelizm.tp: [1, 2]
                """.formatted(Path.of("scenarios/quickstart.yaml").toAbsolutePath()));
        Outcome o = run("sweep", f.toString(), "--out", dir.resolve("c").toString(), "-q");
        assertEquals(2, o.code(), o.err());
        assertEquals(f + ":5:5: unknown key 'strategy.parallelizm' (did you mean 'parallelism'?)", o.err().strip());
        assertFalse(Files.exists(dir.resolve("c/points")));
        assertFalse(Files.exists(dir.resolve("c/sweep.csv")));
        Outcome v = run("validate", f.toString());
        assertEquals(2, v.code(), "validate refuses what the sweep refuses");
        assertEquals(f + ":5:5: unknown key 'strategy.parallelizm' (did you mean 'parallelism'?)", v.err().strip());

        Files.writeString(f, "base: nowhere.yaml\nsweep: { grid: { seed: [1, 2] }, replicatoins: 2 }\n");
        Outcome typo = run("sweep", f.toString(), "--out", dir.resolve("c").toString(), "-q");
        assertEquals(2, typo.code());
        assertEquals(f + ":2:34: unknown key 'sweep.replicatoins' (did you mean 'replications'?)", typo.err().strip());
        Files.writeString(f, "base: nowhere.yaml\nsweep: { grid: { seed: [1, 1] } }\n");
        assertTrue(run("sweep", f.toString()).err().contains(":2:28: value '1' appears twice"));
        Files.writeString(f, "base: nowhere.yaml\nsweep: { grid: { seed: [1, 2] } }\n");
        Outcome missing = run("sweep", f.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nowhere.yaml:1:1: file not found"), missing.err());
        assertEquals(2, run("sweep", EXAMPLE, "--shard", "3/3").code());
        assertEquals(2, run("sweep", EXAMPLE, "--threads", "0").code());
    }
}
