package io.xpusim.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay of the Azure LLM inference trace CSV on small hand-made files. */
class AzureTraceSourceTest {
    private static final long S = 1_000_000_000_000L;
    private static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    // fractions .5 and .25 are exact in binary, so offsets are exact picoseconds
    private static final String FOUR = HEADER
            + "2023-11-16 18:15:46.5000000,100,10\n"   // first: offset 0
            + "2023-11-16 18:15:47.0000000,200,20\n"   // +0.5 s
            + "2023-11-16 18:15:48.2500000,300,30\n"   // +1.75 s
            + "2023-11-16 18:16:46.5000000,400,40\n";  // +60 s (next minute)

    @TempDir
    Path dir;

    private Path write(String content) throws IOException {
        Path f = dir.resolve("trace-" + System.nanoTime() + ".csv");
        Files.writeString(f, content);
        return f;
    }

    private static TraceOptions opts(double scale, long max, long duration, boolean skip) {
        return new TraceOptions(scale, max, duration, skip);
    }

    private static TraceOptions plain() {
        return opts(1.0, Long.MAX_VALUE, Long.MAX_VALUE, false);
    }

    private static List<RequestSpec> all(RequestSource src) {
        List<RequestSpec> out = new ArrayList<>();
        for (RequestSpec r; (r = src.next()) != null; ) {
            out.add(r);
        }
        src.close();
        return out;
    }

    @Test
    void offsetsFromFirstTimestamp() throws IOException {
        List<RequestSpec> rs = all(new AzureTraceSource(write(FOUR), plain()));
        assertEquals(4, rs.size());
        assertEquals(0L, rs.get(0).arrivalPicos());
        assertEquals(S / 2, rs.get(1).arrivalPicos());           // 0.5 s
        assertEquals(1_750_000_000_000L, rs.get(2).arrivalPicos()); // 1.75 s
        assertEquals(60 * S, rs.get(3).arrivalPicos());           // 60 s
        for (int i = 0; i < 4; i++) {
            assertEquals(i, rs.get(i).id());
            assertEquals(100 * (i + 1), rs.get(i).inputTokens());
            assertEquals(10 * (i + 1), rs.get(i).outputTokens());
            assertEquals(0, rs.get(i).prefixHashes().length);
        }
    }

    @Test
    void timeScaleMultipliesOffsets() throws IOException {
        List<RequestSpec> rs = all(new AzureTraceSource(write(FOUR), opts(0.5, Long.MAX_VALUE, Long.MAX_VALUE, false)));
        // 0.5 × (0, 0.5, 1.75, 60) s = 0, 0.25, 0.875, 30 s
        assertEquals(0L, rs.get(0).arrivalPicos());
        assertEquals(250_000_000_000L, rs.get(1).arrivalPicos());
        assertEquals(875_000_000_000L, rs.get(2).arrivalPicos());
        assertEquals(30 * S, rs.get(3).arrivalPicos());
    }

    @Test
    void maxRequestsStopsEarly() throws IOException {
        List<RequestSpec> rs = all(new AzureTraceSource(write(FOUR), opts(1.0, 2, Long.MAX_VALUE, false)));
        assertEquals(2, rs.size());
        assertEquals(200, rs.get(1).inputTokens());
    }

    @Test
    void durationCutoffIsInclusive() throws IOException {
        // a request at exactly the duration (1.75 s) is kept; the one at 60 s ends the stream
        List<RequestSpec> rs = all(new AzureTraceSource(write(FOUR), opts(1.0, Long.MAX_VALUE, 1_750_000_000_000L, false)));
        assertEquals(3, rs.size());
        // one picosecond less drops it
        List<RequestSpec> rs2 = all(new AzureTraceSource(write(FOUR), opts(1.0, Long.MAX_VALUE, 1_749_999_999_999L, false)));
        assertEquals(2, rs2.size());
    }

    @Test
    void malformedLineReportsItsLineNumber() throws IOException {
        String csv = HEADER
                + "2023-11-16 18:15:46.5000000,100,10\n"  // line 2
                + "\n"                                      // line 3 blank: skipped, still counted
                + "2023-11-16 18:15:47.0000000,abc,20\n"; // line 4
        Path f = write(csv);
        AzureTraceSource src = new AzureTraceSource(f, plain());
        assertEquals(100, src.next().inputTokens());
        TraceFormatException e = assertThrows(TraceFormatException.class, src::next);
        assertEquals(4, e.line());
        assertEquals(f.toString(), e.file());
        assertTrue(e.getMessage().contains("abc"), e.getMessage());
    }

    @Test
    void variousMalformations() throws IOException {
        String[] bad = {
            "2023-11-16 18:15:46.5,100\n",            // two fields
            "2023-11-16 18:15:46.5,100,10,1\n",       // four fields
            "16/11/2023 18:15:46,100,10\n",           // wrong timestamp format
            "2023-11-16 18:15:46.5,0,10\n",           // prompt below 1
            "2023-11-16 18:15:46.5,100,0\n",          // output below 1
            "2023-11-16 18:15:46.5,100,-3\n",
            "2023-11-16 18:15:46.5,1.5,10\n",         // not whole
        };
        for (String line : bad) {
            AzureTraceSource src = new AzureTraceSource(write(HEADER + line), plain());
            TraceFormatException e = assertThrows(TraceFormatException.class, src::next, line);
            assertEquals(2, e.line(), line); // the header is line 1
        }
    }

    @Test
    void headerIsChecked() throws IOException {
        Path f = write("time,in,out\n2023-11-16 18:15:46.5,100,10\n");
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> new AzureTraceSource(f, plain()));
        assertEquals(1, e.line());
        Path empty = write("");
        assertEquals(1, assertThrows(TraceFormatException.class, () -> new AzureTraceSource(empty, plain())).line());
        // a UTF-8 byte-order mark before the header is tolerated
        Path bom = write("\uFEFF" + FOUR);
        assertEquals(4, all(new AzureTraceSource(bom, plain())).size());
    }

    @Test
    void skipModeCountsSkippedLines() throws IOException {
        String csv = HEADER
                + "2023-11-16 18:15:46.5000000,100,10\n"
                + "garbage\n"
                + "2023-11-16 18:15:47.0000000,0,20\n"
                + "2023-11-16 18:15:47.5000000,300,30\n"
                + "2023-11-16 18:15:48.0000000,x,y\n";
        AzureTraceSource src = new AzureTraceSource(write(csv), opts(1.0, Long.MAX_VALUE, Long.MAX_VALUE, true));
        List<RequestSpec> rs = all(src);
        assertEquals(2, rs.size());
        assertEquals(3, src.skippedLines()); // garbage, zero prompt, x/y
        assertEquals(S, rs.get(1).arrivalPicos()); // 47.5 − 46.5 = 1 s
        assertEquals(1, rs.get(1).id(), "ids are dense over kept requests");
    }

    @Test
    void outOfOrderTimestampFailsOrIsSkipped() throws IOException {
        String csv = HEADER
                + "2023-11-16 18:15:46.5000000,100,10\n"  // line 2
                + "2023-11-16 18:15:48.0000000,200,20\n"  // line 3
                + "2023-11-16 18:15:47.0000000,300,30\n"  // line 4: back in time
                + "2023-11-16 18:15:49.0000000,400,40\n"; // line 5
        AzureTraceSource strict = new AzureTraceSource(write(csv), plain());
        strict.next();
        strict.next();
        TraceFormatException e = assertThrows(TraceFormatException.class, strict::next);
        assertEquals(4, e.line());

        AzureTraceSource lenient = new AzureTraceSource(write(csv), opts(1.0, Long.MAX_VALUE, Long.MAX_VALUE, true));
        List<RequestSpec> rs = all(lenient);
        assertEquals(3, rs.size());
        assertEquals(1, lenient.skippedLines());
        assertEquals(400, rs.get(2).inputTokens());
        assertEquals(2_500_000_000_000L, rs.get(2).arrivalPicos()); // 49.0 − 46.5 = 2.5 s
    }

    @Test
    void equalTimestampsAreInOrder() throws IOException {
        String csv = HEADER + "2023-11-16 18:15:46,1,1\n2023-11-16 18:15:46,2,2\n";
        List<RequestSpec> rs = all(new AzureTraceSource(write(csv), plain()));
        assertEquals(2, rs.size());
        assertEquals(0L, rs.get(1).arrivalPicos());
    }

    /**
     * The trace's timestamps have 100 ns resolution (7 fractional digits). parse() turns each into one
     * double of epoch seconds (≈1.7e9), whose spacing is 2^-22 s ≈ 238 ns, so the 100 ns digit is lost
     * before the offset is taken: 46.0000000 → 46.0000001 should be 100 ns = 100,000 ps apart.
     */
    @Test
    void hundredNanosecondResolutionIsKept() throws IOException {
        String csv = HEADER
                + "2023-11-16 18:15:46.0000000,1,1\n"
                + "2023-11-16 18:15:46.0000001,1,1\n"
                + "2023-11-16 18:15:47.1234567,1,1\n";
        List<RequestSpec> rs = all(new AzureTraceSource(write(csv), plain()));
        assertEquals(100_000L, rs.get(1).arrivalPicos());          // 1e-7 s
        assertEquals(1_123_456_700_000L, rs.get(2).arrivalPicos()); // 1.1234567 s
    }

    @Test
    void anOptionalPriorityColumnIsRead() throws IOException {
        String csv = "TIMESTAMP,ContextTokens,GeneratedTokens,Priority\n"
                + "2023-11-16 18:15:46.5,100,10,1\n"
                + "2023-11-16 18:15:47.5,200,20,-3\n";
        List<RequestSpec> rs = all(new AzureTraceSource(write(csv), plain()));
        assertEquals(List.of(1, -3), rs.stream().map(RequestSpec::priority).toList());
        assertEquals(0, all(new AzureTraceSource(write(FOUR), plain())).get(0).priority(), "no column: the default 0");
        AzureTraceSource missing = new AzureTraceSource(
                write("TIMESTAMP,ContextTokens,GeneratedTokens,Priority\n2023-11-16 18:15:46.5,100,10\n"), plain());
        assertEquals(2, assertThrows(TraceFormatException.class, missing::next).line());
        AzureTraceSource notANumber = new AzureTraceSource(
                write("TIMESTAMP,ContextTokens,GeneratedTokens,Priority\n2023-11-16 18:15:46.5,100,10,high\n"), plain());
        assertEquals(2, assertThrows(TraceFormatException.class, notANumber::next).line());
    }
}
