package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each class of bad input ends with exit code 2 and one line {@code file:line:col: message (hint)} on
 * stderr — never a stack trace — and leaves no results behind.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            schema: xpusim/v1
            name: bad-input
            seed: 1
            cluster:
              nodes: [ { template: dgx-h100, count: 1 } ]
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: poisson, rate: 5/s }
              input-tokens: { distribution: fixed, tokens: 100 }
              output-tokens: { distribution: fixed, tokens: 10 }
              requests: 20
            strategy:
              parallelism: { tp: 1 }
            outputs: { charts: false }
            """;

    record Outcome(int code, String out, String err) {
    }

    private Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    private Path write(String text) throws IOException {
        Path f = dir.resolve("scenario.yaml");
        Files.writeString(f, text);
        return f;
    }

    /** Writes t.csv (an Azure trace with these lines) and returns GOOD replaying it instead of synthetic arrivals. */
    private String withAzureTrace(String lines, String traceOptions) throws IOException {
        Files.writeString(dir.resolve("t.csv"), "TIMESTAMP,ContextTokens,GeneratedTokens\n" + lines, StandardCharsets.UTF_8);
        return GOOD.replace("  arrivals: { process: poisson, rate: 5/s }\n"
                + "  input-tokens: { distribution: fixed, tokens: 100 }\n"
                + "  output-tokens: { distribution: fixed, tokens: 10 }\n"
                + "  requests: 20\n", "  trace: { format: azure-csv, file: t.csv" + traceOptions + " }\n");
    }

    private Outcome runBad(String text, String... extra) throws IOException {
        Path f = write(text);
        String[] args = Stream.concat(Stream.of("run", f.toString(), "--results", dir.resolve("results").toString()),
                Stream.of(extra)).toArray(String[]::new);
        Outcome o = run(args);
        assertEquals(2, o.code(), "exit code 2 for bad input; stderr: " + o.err());
        assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
        assertFalse(o.err().contains("Exception") || o.err().contains("\tat "), "no stack trace: " + o.err());
        assertFalse(Files.exists(dir.resolve("results")) && hasRunFolder(dir.resolve("results")), "nothing half-written");
        return o;
    }

    private static boolean hasRunFolder(Path results) {
        try (Stream<Path> s = Files.walk(results)) {
            return s.anyMatch(p -> p.getFileName().toString().equals("summary.json"));
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void goodScenarioRuns() throws IOException {
        Path f = write(GOOD);
        Outcome o = run("run", f.toString(), "--out", dir.resolve("out").toString(), "-q");
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.exists(dir.resolve("out/summary.json")));
    }

    @Test
    void typoInKeyIsLocatedWithSuggestion() throws IOException {
        Outcome o = runBad(GOOD.replace("parallelism: { tp: 1 }", "paralelism: { tp: 1 }"));
        assertTrue(o.err().matches("(?s).*scenario\\.yaml:14:3: unknown key 'strategy\\.paralelism' \\(did you mean 'parallelism'\\?\\).*"),
                o.err());
    }

    @Test
    void wrongUnitIsExplained() throws IOException {
        Outcome o = runBad(GOOD.replace("rate: 5/s", "rate: 5 GB"));
        assertTrue(o.err().contains(":9:") && o.err().contains("unknown rate unit 'GB'"), o.err());
        Outcome unitless = runBad(GOOD.replace("rate: 5/s", "rate: 5"));
        assertTrue(unitless.err().contains("has no unit") && unitless.err().contains("10/s"), unitless.err());
    }

    @Test
    void aWorkloadTooLargeToSimulateIsRefusedAtItsKey() throws IOException {
        // an absurd rate (as a goodput or plan probe may reach) used to run out of memory: 1e9/s × 20 requests still
        // ends at 20, but for a duration 1e9/s × 1 h is 3.6e12 requests
        Outcome rate = runBad(GOOD.replace("  requests: 20\n", "  duration: 1h\n").replace("rate: 5/s", "rate: 1e9/s"));
        assertTrue(rate.err().contains(":9:") && rate.err().contains("the workload would bring about 3.60e+12 requests "
                + "(rate × duration), more than the 100,000,000 one run simulates"), rate.err());
        Outcome burst = runBad(GOOD.replace("process: poisson, rate: 5/s", "process: burst")
                .replace("requests: 20", "requests: 200000000"));
        assertTrue(burst.err().contains("a burst of 200,000,000 requests is more than the 100,000,000"), burst.err());
    }

    @Test
    void unknownProfileSuggestsTheClosest() throws IOException {
        Outcome o = runBad(GOOD.replace("dgx-h100", "dgx-h10"));
        assertTrue(o.err().contains("unknown node 'dgx-h10'") && o.err().contains("did you mean 'dgx-h100'?"), o.err());
        Outcome m = runBad(GOOD.replace("llama-3-8b", "llama-3-8"));
        assertTrue(m.err().contains("unknown model 'llama-3-8'"), m.err());
    }

    @Test
    void tensorParallelismMustDivideHeads() throws IOException {
        Outcome o = runBad(GOOD.replace("tp: 1", "tp: 3"));
        assertTrue(o.err().contains("tp=3 does not divide the 32 attention heads of llama-3-8b"), o.err());
    }

    @Test
    void modelLargerThanMemoryIsExplained() throws IOException {
        Outcome o = runBad(GOOD.replace("llama-3-8b", "llama-3-405b"));
        assertTrue(o.err().contains("llama-3-405b weights need 756.0 GiB per device at tp=1; h100-sxm has 79.6 GiB"), o.err());
        assertTrue(o.err().contains("raise tensor parallelism"), o.err());
    }

    @Test
    void yamlSyntaxAndUnsafeConstructsAreRejected() throws IOException {
        assertTrue(runBad(GOOD + "  bad: [unclosed\n").err().contains("invalid YAML"));
        assertTrue(runBad("a: &x [1]\nb: *x\n").err().contains("anchors"));
        assertTrue(runBad(GOOD.replace("seed: 1", "seed: !!java.lang.Runtime 1")).err().contains("tags"));
        assertTrue(runBad(GOOD + "seed: 2\n").err().contains("duplicate key 'seed'"));
        assertTrue(runBad("").err().contains("empty"));
        assertTrue(runBad(GOOD.replace("seed: 1", "seed: 010x")).err().contains("whole number"));
    }

    @Test
    void binaryJunkIsRejected() throws IOException {
        Path f = dir.resolve("junk.yaml");
        Files.write(f, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, 3});
        Outcome o = run("validate", f.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("junk.yaml:1:1: file is not UTF-8 text"), o.err());
    }

    @Test
    void missingFileAndBadCommandLine() {
        Outcome o = run("run", dir.resolve("nope.yaml").toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("nope.yaml:1:1: file not found"), o.err());
        Outcome flag = run("run", "--bogus");
        assertEquals(2, flag.code());
        assertTrue(flag.err().startsWith("xpusim: "), flag.err());
    }

    @Test
    void overridesAreCheckedLikeTheFile() throws IOException {
        Outcome o = runBad(GOOD, "--set", "workload.arrivals.rate=fast");
        assertTrue(o.err().contains("--set workload.arrivals.rate") && o.err().contains("no number"), o.err());
        Outcome p = runBad(GOOD, "--set", "model.layers=2");
        assertTrue(p.err().contains("is a single value"), p.err());
    }

    @Test
    void malformedTraceLineIsReportedWithItsLineNumber() throws IOException {
        String text = withAzureTrace("2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,abc,44\n", "");
        Outcome o = runBad(text);
        assertTrue(o.err().contains("t.csv:3:1: malformed trace line: ContextTokens 'abc' is not a whole number"), o.err());
    }

    @Test
    void outFolderMustBeEmpty() throws IOException {
        Path f = write(GOOD);
        Path out = dir.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "earlier run");
        Outcome o = run("run", f.toString(), "--out", out.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("is not empty"), o.err());
        assertEquals("earlier run", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void requestThatCanNeverFitIsDroppedWithAReason() throws IOException {
        Path f = write(GOOD.replace("tokens: 100 }", "tokens: 9000 }"));
        Outcome o = run("run", f.toString(), "--out", dir.resolve("o").toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("20 dropped: longer than the context limit"), o.out());
    }

    @Test
    void eventLimitStopsCleanlyAndMarksIncomplete() throws IOException {
        Path f = write(GOOD);
        Outcome o = run("run", f.toString(), "--out", dir.resolve("o").toString(), "--max-events", "10");
        assertEquals(3, o.code(), o.err());
        String summary = Files.readString(dir.resolve("o/summary.json"));
        assertTrue(summary.contains("\"complete\" : false") && summary.contains("event_limit"), summary);
    }

    @Test
    void wallLimitStopsCleanlyAndMarksIncomplete() throws IOException {
        // the Azure scenario needs ~0.4 M events; a 1 ms wall budget stops it at the first check
        Outcome o = run("run", "scenarios/llama3-70b-dgx-h100-azure-conv.yaml", "--out", dir.resolve("o").toString(),
                "--max-wall", "1ms", "--set", "outputs.charts=false");
        assertEquals(3, o.code(), o.err());
        String summary = Files.readString(dir.resolve("o/summary.json"));
        assertTrue(summary.contains("\"complete\" : false") && summary.contains("wall_limit"), summary);
        assertTrue(o.out().contains("INCOMPLETE"), o.out());
        Outcome bad = run("run", "scenarios/quickstart.yaml", "--max-wall", "soon");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--max-wall"), bad.err());
    }

    @Test
    void oversizedDocumentsStringsAndAliasBombsAreRejected() throws IOException {
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, GOOD + "# " + "x".repeat(5 * 1024 * 1024) + "\n");
        Outcome o = run("validate", big.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("big.yaml:1:1: file is larger than 4 MiB"), o.err());
        Outcome longValue = runBad(GOOD.replace("name: bad-input", "name: " + "n".repeat(100_000)));
        assertTrue(longValue.err().contains(":2:7: a value is 100000 characters long"), longValue.err());
        assertTrue(longValue.err().length() < 700, "messages stay short");
        String bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
        assertTrue(runBad(bomb).err().contains("anchors (&name) are not supported"));
    }

    @Test
    void badTraceLinesCanBeSkippedAndCounted() throws IOException {
        String text = withAzureTrace("2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,abc,44\n"
                + "2023-11-16 18:15:48.00,200,20\n", ", on-bad-line: skip");
        Path f = write(text);
        Outcome o = run("run", f.toString(), "--out", dir.resolve("o").toString());
        assertEquals(0, o.code(), o.err());
        String summary = Files.readString(dir.resolve("o/summary.json"));
        assertTrue(summary.contains("\"trace_lines_skipped\" : 1") && summary.contains("\"requests_completed\" : 2"), summary);
    }

    @Test
    void arrivalsBeyondTheClockAreAUserError() throws IOException {
        Outcome o = run("run", "scenarios/quickstart.yaml", "--out", dir.resolve("o").toString(), "--set", "workload.requests=5",
                "--set", "workload.duration=", "--set", "workload.arrivals.rate=1e-9/s");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("past") && o.err().contains("days"), o.err());
    }

    @Test
    void aCollectiveNeedsTwoDevices() throws IOException {
        Outcome o = runBad("""
                schema: xpusim/v1
                name: one
                kind: collective
                seed: 1
                cluster: { nodes: [ { template: gh200, count: 1 } ] }
                collective: { op: all-reduce, group: all, sizes: [1MiB] }
                """);
        assertTrue(o.err().contains(":6:") && o.err().contains("a single device"), o.err());
    }

    @Test
    void supernodeBoardsMustDivideTheDevices() throws IOException {
        Outcome o = runBad("""
                schema: xpusim/v1
                name: boards
                kind: collective
                seed: 1
                cluster:
                  nodes:
                    - template:
                        name: odd-supernode
                        devices: { profile: ascend-910c, count: 12 }
                        scale-up: { link: ub-910c, topology: supernode, devices-per-board: 8 }
                        cpus: { profile: kunpeng-920-5250, count: 6 }
                        host-memory: { profile: ddr4-2933-8ch, count: 6 }
                        host-link: ub-910c
                        price-per-hour-usd: 1
                        sources: { devices: test }
                      count: 1
                collective: { op: all-reduce, group: all, sizes: [1MiB] }
                """);
        assertTrue(o.err().contains(":10:76:") && o.err().contains("devices-per-board 8 does not divide the node's 12 devices"),
                o.err());
    }

    @Test
    void measuredCostTablesNameRealOperators() throws IOException {
        Files.writeString(dir.resolve("costs.csv"), "operator,rows,seconds\nqkv_proj,1,1e-5\n");
        Outcome o = runBad(GOOD.replace("  parallelism: { tp: 1 }\n", "  parallelism: { tp: 1 }\n  measured-costs: costs.csv\n"));
        assertTrue(o.err().contains("unknown operator 'qkv_proj'") && o.err().contains("did you mean 'qkv-proj'?"), o.err());
    }

    @Test
    void torusDimensionsMustCoverTheNodes() throws IOException {
        String torus = """
                schema: xpusim/v1
                name: torus
                kind: collective
                seed: 1
                cluster:
                  nodes: [ { template: gh200, count: 16 } ]
                  scale-out: { topology: torus, nic: tpu-v5p-ici, dims: [4, 4] }
                collective: { op: all-reduce, group: all, sizes: [64MiB] }
                outputs: { charts: false }
                """;
        Path f = write(torus);
        Outcome ok = run("run", f.toString(), "--out", dir.resolve("o").toString(), "-q");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.readString(dir.resolve("o/collectives.csv")).contains("all-reduce"));
        Outcome o = runBad(torus.replace("dims: [4, 4]", "dims: [4, 5]"));
        assertTrue(o.err().contains(":7:") && o.err().contains("multiplying to the 16 nodes"), o.err());
    }
}
