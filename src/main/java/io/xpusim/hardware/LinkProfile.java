package io.xpusim.hardware;

import java.util.Map;

/**
 * An interconnect port: peak bandwidth per direction for one device's attachment, the achieved fraction
 * for large transfers, and the per-step latency a collective pays (its alpha).
 *
 * <p>Where a measured collective curve exists, {@code collectiveHalfSizeBytes} and {@code collectiveShape}
 * describe how a collective's bus bandwidth grows with message size S:
 * {@code busbw(S) = achieved / (1 + (S½ / S)^shape)} — this captures latency, protocol and pipelining
 * losses together, so the per-step latency is then not added again. Zero half-size means "no curve":
 * the alpha-beta ring model applies. {@code inSwitchReductionBytesPerSecond} is the per-device rate of a
 * switch that reduces in the network (NVLS): an all-reduce then sends and receives the buffer once.
 * {@code ringProtocols}, on a NIC, says how the platform's NCCL tuner runs all-reduces across nodes over it (null:
 * not known, so {@code auto} keeps the tree).
 */
public record LinkProfile(String name, LinkKind kind, double bandwidthBytesPerSecond, double efficiency,
                          long latencyPicos, double collectiveHalfSizeBytes, double collectiveShape,
                          double inSwitchReductionBytesPerSecond, RingProtocols ringProtocols, Map<String, String> sources) {

    /** A link without in-switch reduction or known NCCL protocol regimes (the common case). */
    public LinkProfile(String name, LinkKind kind, double bandwidthBytesPerSecond, double efficiency, long latencyPicos,
                       double collectiveHalfSizeBytes, double collectiveShape, Map<String, String> sources) {
        this(name, kind, bandwidthBytesPerSecond, efficiency, latencyPicos, collectiveHalfSizeBytes, collectiveShape, 0,
                null, sources);
    }

    /** Whether the switch behind this link reduces in the network (NVLink SHARP, "NVLS"). */
    public boolean hasInSwitchReduction() {
        return inSwitchReductionBytesPerSecond > 0;
    }
    public double achievedBandwidthBytesPerSecond() {
        return bandwidthBytesPerSecond * efficiency;
    }

    public boolean hasCollectiveCurve() {
        return collectiveHalfSizeBytes > 0;
    }

    /** Fraction of the achieved bandwidth a collective on messages of {@code bytes} reaches. */
    public double collectiveEfficiency(double bytes) {
        return hasCollectiveCurve() ? 1.0 / (1.0 + Math.pow(collectiveHalfSizeBytes / bytes, collectiveShape)) : 1.0;
    }
}
