package io.xpusim.hardware;

import java.util.Map;

/**
 * An interconnect port: peak bandwidth per direction for one device's attachment, the achieved fraction
 * for large transfers, and the per-step latency a collective pays (its alpha).
 */
public record LinkProfile(String name, LinkKind kind, double bandwidthBytesPerSecond, double efficiency,
                          long latencyPicos, Map<String, String> sources) {
    public double achievedBandwidthBytesPerSecond() {
        return bandwidthBytesPerSecond * efficiency;
    }
}
