package io.xpusim.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay of Mooncake JSONL traces: millisecond timestamps, prefix hash ids. */
class MooncakeTraceSourceTest {
    private static final String THREE =
            "{\"timestamp\": 1000, \"input_length\": 100, \"output_length\": 10, \"hash_ids\": [1, 2, 3]}\n"
            + "{\"timestamp\": 1027, \"input_length\": 200, \"output_length\": 20, \"hash_ids\": [1, 2, 9007199254740993]}\n"
            + "{\"timestamp\": 2500, \"input_length\": 300, \"output_length\": 30}\n";

    @TempDir
    Path dir;

    private Path write(String content) throws IOException {
        Path f = dir.resolve("t-" + System.nanoTime() + ".jsonl");
        Files.writeString(f, content);
        return f;
    }

    private static TraceOptions opts(double scale, long max, long duration, boolean skip) {
        return new TraceOptions(scale, max, duration, skip);
    }

    private static TraceOptions plain() {
        return opts(1, Long.MAX_VALUE, Long.MAX_VALUE, false);
    }

    private static List<RequestSpec> all(RequestSource src) {
        List<RequestSpec> out = new ArrayList<>();
        for (RequestSpec r; (r = src.next()) != null; ) {
            out.add(r);
        }
        return out;
    }

    @Test
    void millisecondOffsetsAndHashes() throws IOException {
        List<RequestSpec> rs = all(new MooncakeTraceSource(write(THREE), plain()));
        assertEquals(3, rs.size());
        assertEquals(0L, rs.get(0).arrivalPicos());
        // 1027 − 1000 = 27 ms = 27e9 ps
        assertEquals(27_000_000_000L, rs.get(1).arrivalPicos());
        // 2500 − 1000 = 1500 ms = 1.5e12 ps
        assertEquals(1_500_000_000_000L, rs.get(2).arrivalPicos());
        assertArrayEquals(new long[] {1, 2, 3}, rs.get(0).prefixHashes());
        // 2^53 + 1 needs the full 64-bit integer path, not a double
        assertArrayEquals(new long[] {1, 2, 9_007_199_254_740_993L}, rs.get(1).prefixHashes());
        assertEquals(0, rs.get(2).prefixHashes().length, "no hash_ids → empty");
        assertEquals(200, rs.get(1).inputTokens());
        assertEquals(30, rs.get(2).outputTokens());
    }

    @Test
    void optionsApply() throws IOException {
        // time scale 2: 27 ms → 54 ms, 1500 ms → 3 s
        List<RequestSpec> scaled = all(new MooncakeTraceSource(write(THREE), opts(2, Long.MAX_VALUE, Long.MAX_VALUE, false)));
        assertEquals(54_000_000_000L, scaled.get(1).arrivalPicos());
        assertEquals(3_000_000_000_000L, scaled.get(2).arrivalPicos());
        assertEquals(1, all(new MooncakeTraceSource(write(THREE), opts(1, 1, Long.MAX_VALUE, false))).size());
        // duration 1 s: the 1.5 s request ends the stream
        assertEquals(2, all(new MooncakeTraceSource(write(THREE), opts(1, Long.MAX_VALUE, 1_000_000_000_000L, false))).size());
    }

    @Test
    void malformedLinesReportLineNumbers() throws IOException {
        String[] bad = {
            "not json",
            "[1, 2]",
            "{\"input_length\": 1, \"output_length\": 1}",                                   // no timestamp
            "{\"timestamp\": \"5\", \"input_length\": 1, \"output_length\": 1}",            // string timestamp
            "{\"timestamp\": 5, \"input_length\": 1.5, \"output_length\": 1}",              // fractional length
            "{\"timestamp\": 5, \"input_length\": 0, \"output_length\": 1}",                // below 1
            "{\"timestamp\": 5, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": 7}",
            "{\"timestamp\": 5, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": [\"a\"]}",
        };
        String good = "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1}\n";
        for (String line : bad) {
            // line 1 good, line 2 blank, line 3 bad (no header in JSONL)
            MooncakeTraceSource src = new MooncakeTraceSource(write(good + "\n" + line + "\n"), plain());
            src.next();
            TraceFormatException e = assertThrows(TraceFormatException.class, src::next, line);
            assertEquals(3, e.line(), line);
        }
    }

    @Test
    void skipModeCounts() throws IOException {
        String jsonl = "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1}\n"
                + "{oops\n"
                + "{\"timestamp\": 10, \"input_length\": 2, \"output_length\": 2}\n"
                + "{\"timestamp\": 5, \"input_length\": 3, \"output_length\": 3}\n"   // back in time
                + "{\"timestamp\": 20, \"input_length\": 4, \"output_length\": 4}\n";
        MooncakeTraceSource src = new MooncakeTraceSource(write(jsonl), opts(1, Long.MAX_VALUE, Long.MAX_VALUE, true));
        List<RequestSpec> rs = all(src);
        assertEquals(3, rs.size());
        assertEquals(2, src.skippedLines());
        assertEquals(20_000_000_000L, rs.get(2).arrivalPicos()); // 20 ms
        assertNull(src.next());
    }

    /** hash_ids are "prefix KV-block hashes": whole numbers. 1.5 must be rejected, not truncated to 1. */
    @Test
    void fractionalHashRejected() throws IOException {
        MooncakeTraceSource src = new MooncakeTraceSource(
                write("{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"hash_ids\": [1.5]}\n"), plain());
        assertEquals(1, assertThrows(TraceFormatException.class, src::next).line());
    }

    @Test
    void anOptionalPriorityFieldIsRead() throws IOException {
        List<RequestSpec> rs = all(new MooncakeTraceSource(write(
                "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"priority\": -2}\n"
                + "{\"timestamp\": 1, \"input_length\": 1, \"output_length\": 1}\n"), plain()));
        assertEquals(-2, rs.get(0).priority());
        assertEquals(0, rs.get(1).priority(), "absent: the default 0");
        MooncakeTraceSource bad = new MooncakeTraceSource(
                write("{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1, \"priority\": \"high\"}\n"), plain());
        assertEquals(1, assertThrows(TraceFormatException.class, bad::next).line());
    }
}
