package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.experiment.GoodputRunner;
import io.xpusim.experiment.GoodputSearch;
import io.xpusim.report.HtmlChecks;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code xpusim goodput} end to end on a tiny scenario, its determinism, and the inputs it refuses. */
class GoodputCommandTest {
    @TempDir
    Path dir;

    private static final String TINY = """
            schema: xpusim/v1
            name: tiny-goodput
            seed: 7
            cluster:
              nodes: [ { template: dgx-h100, count: 1 } ]
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: poisson, rate: 5/s }
              input-tokens: { distribution: uniform, min: 100, max: 600 }
              output-tokens: { distribution: uniform, min: 20, max: 60 }
              requests: 80
            strategy:
              parallelism: { tp: 1 }
            outputs: { charts: false }
            slo: { ttft: 150ms, tpot: 60ms, attainment: 0.9 }
            """;

    record Outcome(int code, String out, String err) {
    }

    private Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void findsARateThatMeetsTheSloWithNoneMetWithinToleranceAbove() throws Exception {
        Path f = write("tiny.yaml", TINY);
        Outcome o = run("goodput", f.toString(), "--out", dir.resolve("a").toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("probe  1"), o.err());
        JsonNode g = new ObjectMapper().readTree(dir.resolve("a/goodput.json").toFile());
        assertEquals("xpusim-goodput/v1", g.get("schema").asText());
        assertEquals(7, g.get("seed").asLong());
        assertEquals("converged", g.get("search").get("outcome").asText());
        double goodput = g.get("goodput_requests_per_s").asDouble();
        assertTrue(goodput > 0.5 && goodput < 100, "goodput " + goodput);
        assertEquals(goodput, g.get("goodput_requests_per_s_per_device").asDouble()); // one GPU
        boolean metAtGoodput = false;
        double lowestMiss = Double.POSITIVE_INFINITY;
        for (JsonNode p : g.get("probes")) {
            double rate = p.get("rate").asDouble();
            if (rate == goodput) {
                metAtGoodput = p.get("met").asBoolean();
            }
            if (!p.get("met").asBoolean()) {
                lowestMiss = Math.min(lowestMiss, rate);
            }
        }
        assertTrue(metAtGoodput);
        assertTrue(lowestMiss > goodput && lowestMiss <= goodput * 1.02, "bracket " + goodput + " .. " + lowestMiss);
        // independent probes: met at the goodput, missed a tolerance (and more) above it
        GoodputRunner runner = new GoodputRunner(f, List.of());
        assertTrue(runner.probe(goodput).met());
        assertFalse(runner.probe(GoodputSearch.round(goodput * 1.03)).met());
        assertFalse(runner.probe(GoodputSearch.round(goodput * 1.10)).met());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("a/summary.json").toFile());
        assertEquals(goodput, summary.get("metrics").get("goodput_requests_per_s").asDouble());
        assertTrue(summary.get("metrics").get("slo").get("all_met").asBoolean());
        for (String file : List.of("probes.csv", "attainment_vs_rate.png", "latency_vs_load.png", "run.yaml")) {
            assertTrue(Files.size(dir.resolve("a").resolve(file)) > 0, file);
        }
        assertEquals(2, HtmlChecks.check(dir.resolve("a/report.html")), "the report embeds both charts");
        assertTrue(Files.readString(dir.resolve("a/report.html")).contains("requests/s on 1 device(s)"), "the answer is in it");

        // same inputs ⇒ byte-identical outputs, except the wall times in goodput.json
        Outcome again = run("goodput", f.toString(), "-q", "--out", dir.resolve("b").toString());
        assertEquals(0, again.code(), again.err());
        assertEquals("", again.err());
        for (String file : List.of("probes.csv", "run.yaml", "attainment_vs_rate.png", "latency_vs_load.png", "report.html")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(file)),
                    Files.readAllBytes(dir.resolve("b").resolve(file)), file);
        }
        assertEquals(withoutWallTimes(dir.resolve("a/goodput.json")), withoutWallTimes(dir.resolve("b/goodput.json")));
        assertEquals(withoutWallTimes(dir.resolve("a/summary.json")), withoutWallTimes(dir.resolve("b/summary.json")));
    }

    private static String withoutWallTimes(Path p) throws IOException {
        return Files.readString(p).replaceAll("\"wall_time_s\" : [0-9.eE-]+", "\"wall_time_s\" : _");
    }

    @Test
    void refusesATraceReplayWithItsLocation() throws IOException {
        write("t.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n");
        String text = TINY.replace("  arrivals: { process: poisson, rate: 5/s }\n", "  trace: { format: azure-csv, file: t.csv }\n")
                .replace("  input-tokens: { distribution: uniform, min: 100, max: 600 }\n", "")
                .replace("  output-tokens: { distribution: uniform, min: 20, max: 60 }\n", "");
        Path f = write("trace.yaml", text);
        Outcome o = run("goodput", f.toString(), "--out", dir.resolve("t").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().startsWith(f + ":9:3: goodput varies the arrival rate"), o.err());
        assertFalse(Files.exists(dir.resolve("t")));
    }

    @Test
    void refusesAScenarioWithoutAnSlo() throws IOException {
        Path f = write("noslo.yaml", TINY.replace("slo: { ttft: 150ms, tpot: 60ms, attainment: 0.9 }\n", ""));
        Outcome o = run("goodput", f.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().startsWith(f + ":1:1: goodput is the highest rate meeting the SLO"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
    }

    @Test
    void refusesABurstAndBadOptions() throws IOException {
        Path burst = write("burst.yaml", TINY.replace("process: poisson, rate: 5/s", "process: burst"));
        Outcome o = run("goodput", burst.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().startsWith(burst + ":9:15: goodput varies the arrival rate, and a burst"), o.err());
        Path f = write("tiny.yaml", TINY);
        assertEquals(2, run("goodput", f.toString(), "--min", "10/s", "--max", "5/s").code());
        assertEquals(2, run("goodput", f.toString(), "--max", "fast").code());
        assertEquals(2, run("goodput", f.toString(), "--tolerance", "0%").code());
        Outcome bad = run("goodput", f.toString(), "--set", "slo.ttft=soon");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("--set slo.ttft:"), bad.err());
    }
}
