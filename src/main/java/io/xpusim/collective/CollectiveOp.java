package io.xpusim.collective;

import java.util.Locale;

/** A collective operation, with the nccl-tests factor that turns algorithm bandwidth into bus bandwidth. */
public enum CollectiveOp {
    ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, BROADCAST, ALL_TO_ALL, SEND_RECV;

    /** busbw = algbw × factor, so that bus bandwidth is comparable across ops and group sizes. */
    public double busBandwidthFactor(int ranks) {
        return switch (this) {
            case ALL_REDUCE -> 2.0 * (ranks - 1) / ranks;
            case ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL -> (ranks - 1) / (double) ranks;
            case BROADCAST, SEND_RECV -> 1.0;
        };
    }

    /** The YAML name: {@code all-reduce}, {@code send-recv}, … */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
