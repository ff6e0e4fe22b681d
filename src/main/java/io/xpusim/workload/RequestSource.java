package io.xpusim.workload;

/**
 * A stream of requests in arrival order. Sources are pulled one request at a time, so a trace larger than
 * memory is never loaded whole.
 */
public interface RequestSource extends AutoCloseable {
    /** The next request, or null when the workload is exhausted. */
    RequestSpec next();

    /** Lines skipped as malformed (only with {@code on-bad-line: skip}). */
    default long skippedLines() {
        return 0;
    }

    @Override
    default void close() {
    }
}
