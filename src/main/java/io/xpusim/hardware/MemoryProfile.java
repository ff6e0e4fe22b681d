package io.xpusim.hardware;

import java.util.Map;

/**
 * A memory technology instance: capacity, peak bandwidth, achieved fraction of it, and latency. Reads and writes
 * share the one bandwidth (DRAM, CXL) unless a separate {@code writeBandwidthBytesPerSecond} is given (an SSD's
 * read/write asymmetry: then reads and writes each have their own limit). {@code internalBandwidthBytesPerSecond}
 * is a computational storage drive's media-to-engine bandwidth, which never crosses its host link (0: none).
 * Bandwidths are peaks; {@code efficiency} turns each into what a streaming transfer gets.
 */
public record MemoryProfile(String name, MemoryKind kind, double capacityBytes, double bandwidthBytesPerSecond,
                            double efficiency, long latencyPicos, double writeBandwidthBytesPerSecond,
                            double internalBandwidthBytesPerSecond, Map<String, String> sources) {

    /** A memory whose reads and writes share one bandwidth, without an internal engine path. */
    public MemoryProfile(String name, MemoryKind kind, double capacityBytes, double bandwidthBytesPerSecond,
                         double efficiency, long latencyPicos, Map<String, String> sources) {
        this(name, kind, capacityBytes, bandwidthBytesPerSecond, efficiency, latencyPicos, 0, 0, sources);
    }

    /** Bandwidth a streaming kernel actually gets: peak × efficiency (reads, or reads and writes together). */
    public double achievedBandwidthBytesPerSecond() {
        return bandwidthBytesPerSecond * efficiency;
    }

    /** Whether writes have their own bandwidth limit (SSDs), rather than sharing the read bandwidth. */
    public boolean hasSeparateWriteBandwidth() {
        return writeBandwidthBytesPerSecond > 0;
    }

    /** Achieved write bandwidth: the write peak × efficiency, or the shared bandwidth. */
    public double achievedWriteBandwidthBytesPerSecond() {
        return hasSeparateWriteBandwidth() ? writeBandwidthBytesPerSecond * efficiency : achievedBandwidthBytesPerSecond();
    }

    /** Achieved media-to-engine bandwidth of a computational storage drive, or 0. */
    public double achievedInternalBandwidthBytesPerSecond() {
        return internalBandwidthBytesPerSecond * efficiency;
    }
}
