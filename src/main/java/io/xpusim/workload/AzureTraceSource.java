package io.xpusim.workload;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * The Azure LLM inference trace 2023 (Splitwise, ISCA'24) CSV: {@code TIMESTAMP,ContextTokens,GeneratedTokens}
 * with timestamps like {@code 2023-11-16 18:15:46.6805900}; a fourth column {@code Priority} (an integer, lower is
 * admitted sooner under {@code admission: priority}) may follow when the header names it.
 */
public final class AzureTraceSource extends TraceSource {
    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter(java.util.Locale.ROOT);

    private static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
    /**
     * Whether the header adds the Priority column. Set by the header check, which runs inside the superclass
     * constructor: so no field initializer (it would run afterwards and reset it).
     */
    private boolean priorityColumn;

    public AzureTraceSource(Path file, TraceOptions options) {
        super(file, options, 1);
    }

    @Override
    protected void checkHeader(String header) {
        String h = header.strip().replace("\uFEFF", "");
        if (h.equals(HEADER + ",Priority")) {
            priorityColumn = true;
        } else if (!h.equals(HEADER)) {
            throw new IllegalArgumentException("expected the header '" + HEADER + "' (optionally with ',Priority')");
        }
    }

    @Override
    protected Line parse(String line) {
        String[] f = line.split(",", -1);
        int columns = priorityColumn ? 4 : 3;
        if (f.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " comma-separated fields, found " + f.length);
        }
        long nanos;
        try {
            LocalDateTime t = LocalDateTime.parse(f[0].strip(), TIME);
            nanos = Math.addExact(Math.multiplyExact(t.toEpochSecond(ZoneOffset.UTC), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("timestamp '" + f[0].strip() + "' is out of range");
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("timestamp '" + f[0].strip() + "' is not like 2023-11-16 18:15:46.6805900");
        }
        return new Line(nanos, parseTokens(f[1], "ContextTokens"), parseTokens(f[2], "GeneratedTokens"),
                RequestSpec.NO_HASHES, priorityColumn ? parsePriority(f[3]) : 0);
    }
}
