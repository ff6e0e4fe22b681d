package io.xpusim.workload;

/**
 * How a trace is replayed.
 *
 * @param timeScale    multiplies every arrival offset (0.5 replays twice as fast)
 * @param maxRequests  stop after this many requests
 * @param durationPicos stop at the first request arriving later than this (after scaling)
 * @param skipBadLines skip and count malformed lines instead of failing on the first
 */
public record TraceOptions(double timeScale, long maxRequests, long durationPicos, boolean skipBadLines) {
}
