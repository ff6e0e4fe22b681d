package io.xpusim.metrics;

/** One activity on one track (a device or a link direction) over [start, end), for a Perfetto/Chrome trace. */
public record TraceSlice(String track, String name, long startPicos, long endPicos) {
}
