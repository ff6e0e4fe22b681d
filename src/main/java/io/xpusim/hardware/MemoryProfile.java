package io.xpusim.hardware;

import java.util.Map;

/** A memory technology instance: capacity, peak bandwidth, achieved fraction of it, and latency. */
public record MemoryProfile(String name, MemoryKind kind, double capacityBytes, double bandwidthBytesPerSecond,
                            double efficiency, long latencyPicos, Map<String, String> sources) {
    /** Bandwidth a streaming kernel actually gets: peak × efficiency. */
    public double achievedBandwidthBytesPerSecond() {
        return bandwidthBytesPerSecond * efficiency;
    }
}
