package io.xpusim.hardware;

/**
 * How a platform's NCCL tuner runs all-reduces across nodes over one NIC type, as far as bandwidth goes: from
 * {@code simpleRingFromBytesPerRank} × ranks up it runs the bandwidth-optimal Simple-protocol ring at the NIC's
 * achieved bandwidth; below that it runs its low-latency choices (LL/LL128 protocols, trees, NVLS-trees), whose
 * flows across nodes reach only {@code lowLatencyEfficiency} of it. The latency is the ring's in both regimes.
 *
 * @param simpleRingFromBytesPerRank message size per rank at and above which the Simple ring runs
 * @param lowLatencyEfficiency       fraction of the NIC's achieved bandwidth reached below that size
 */
public record RingProtocols(double simpleRingFromBytesPerRank, double lowLatencyEfficiency) {

    /** The fraction of the NIC's achieved bandwidth an all-reduce of {@code bytes} over {@code ranks} reaches. */
    public double efficiency(double bytes, int ranks) {
        return bytes >= simpleRingFromBytesPerRank * ranks ? 1.0 : lowLatencyEfficiency;
    }
}
