package io.xpusim.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Replays a request trace file line by line; subclasses parse one line format. Arrival times are offsets
 * from the first request, scaled by {@link TraceOptions#timeScale()}. Lines must be in time order.
 */
public abstract class TraceSource implements RequestSource {
    private final BufferedReader reader;
    private final String fileName;
    private final TraceOptions options;
    private long lineNumber;
    private long issued;
    private long skipped;
    private long firstNanos;
    private boolean started;
    private boolean exhausted;
    private long lastArrival;

    protected TraceSource(Path file, TraceOptions options, int headerLines) {
        this.fileName = file.toString();
        this.options = options;
        try {
            this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            for (int i = 0; i < headerLines; i++) {
                lineNumber++;
                String header = reader.readLine();
                if (header == null) {
                    throw new TraceFormatException(fileName, lineNumber, "the trace is empty");
                }
                try {
                    checkHeader(header);
                } catch (IllegalArgumentException e) {
                    throw new TraceFormatException(fileName, lineNumber, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Verifies a header line; throw {@link IllegalArgumentException} with the reason when wrong. */
    protected void checkHeader(String header) {
    }

    /**
     * One parsed line: its time in integer nanoseconds (any origin; integers keep the traces' 100 ns digits,
     * which a double of epoch seconds would lose) and token counts.
     */
    protected record Line(long nanos, int inputTokens, int outputTokens, long[] hashes, int priority) {
        Line(long nanos, int inputTokens, int outputTokens, long[] hashes) {
            this(nanos, inputTokens, outputTokens, hashes, 0);
        }
    }

    /** Parses a line; throws {@link IllegalArgumentException} with a message when it is malformed. */
    protected abstract Line parse(String line);

    @Override
    public final RequestSpec next() {
        if (exhausted || issued >= options.maxRequests()) {
            exhausted = true;
            return null;
        }
        while (true) {
            String text;
            try {
                text = reader.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            lineNumber++;
            if (text == null) {
                exhausted = true;
                return null;
            }
            if (text.isBlank()) {
                continue;
            }
            Line line;
            try {
                line = parse(text);
                if (line.inputTokens() < 1) {
                    throw new IllegalArgumentException("prompt length " + line.inputTokens() + " is below 1");
                }
                if (line.outputTokens() < 1) {
                    throw new IllegalArgumentException("output length " + line.outputTokens() + " is below 1");
                }
            } catch (IllegalArgumentException e) {
                if (options.skipBadLines()) {
                    skipped++;
                    continue;
                }
                throw new TraceFormatException(fileName, lineNumber, e.getMessage());
            }
            if (!started) {
                firstNanos = line.nanos();
                started = true;
            }
            double offsetPicos = (double) (line.nanos() - firstNanos) * 1000.0 * options.timeScale();
            if (!(offsetPicos < Long.MAX_VALUE / 2.0)) {
                throw new TraceFormatException(fileName, lineNumber, "timestamp is too far from the first one");
            }
            long at = Math.round(offsetPicos);
            if (at < lastArrival) {
                if (options.skipBadLines()) {
                    skipped++;
                    continue;
                }
                throw new TraceFormatException(fileName, lineNumber, "timestamp goes back in time; traces must be sorted");
            }
            if (at > options.durationPicos()) {
                exhausted = true;
                return null;
            }
            lastArrival = at;
            return new RequestSpec(issued++, at, line.inputTokens(), line.outputTokens(), line.hashes(), line.priority());
        }
    }

    @Override
    public long skippedLines() {
        return skipped;
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses an optional integer priority (lower is admitted sooner under admission: priority). */
    protected static int parsePriority(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("priority '" + s.strip() + "' is not a whole number");
        }
    }

    protected static int parseTokens(String s, String what) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s.strip() + "' is not a whole number");
        }
    }
}
