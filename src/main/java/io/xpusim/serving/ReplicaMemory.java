package io.xpusim.serving;

import io.xpusim.hardware.TierSpec;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.TierUsage;

/**
 * One replica's share of the run's memory tiers: its resident weights and activation reserve on every device in
 * {@code hbm}; its streamed weights in the host tier ({@code cpu}); its KV pages as they change, in {@code hbm} — or
 * in the host tier when attention runs on the CPU; its offloaded experts in their tier; and the bytes its offloaded
 * work moves across the host links (host → device: streamed weights, attention outputs and fetched experts, read from
 * their tier and written to {@code hbm}; device → host: new tokens' q/k/v and prompts' KV, the other way). KV swaps
 * are booked by {@link KvSwapper}, not here.
 */
final class ReplicaMemory {
    private final MemoryTiers tiers;
    private final TierUsage hbm;
    private final TierUsage host;
    private TierUsage expertTier;
    private final TierUsage kvTier;
    private final double blockBytes;
    private int blocks;
    private double h2dBooked;
    private double d2hBooked;
    private double fetchedBooked;
    private double hbmRead;
    private double hbmWritten;

    /**
     * Places the fixed bytes now.
     *
     * @param deviceBytes weights resident on the devices plus the activation reserve, all devices of the replica
     * @param hostBytes   streamed weights held in host memory, all devices of the replica (0 without weight offload)
     * @param blockBytes  one KV block over the ranks holding it
     * @param kvOnHost    whether the KV blocks live in host memory (attention on the CPU)
     */
    ReplicaMemory(MemoryTiers tiers, long nowPicos, double deviceBytes, double hostBytes, double blockBytes,
                  boolean kvOnHost) {
        this.tiers = tiers;
        this.hbm = tiers.tier(TierSpec.DEVICE);
        this.host = tiers.has(TierSpec.HOST) ? tiers.tier(TierSpec.HOST) : null;
        if ((hostBytes > 0 || kvOnHost) && host == null) {
            throw new InfeasibleConfigurationException("offloading needs host memory, and the cluster has none",
                    "use a node with host-memory, or remove strategy.offload");
        }
        this.kvTier = kvOnHost ? host : hbm;
        this.blockBytes = blockBytes;
        hbm.place(nowPicos, deviceBytes);
        if (hostBytes > 0) {
            host.place(nowPicos, hostBytes);
        }
    }

    /** Places the replica's offloaded experts ({@code bytes}) in {@code tier}. */
    void placeExperts(long nowPicos, String tier, double bytes) {
        expertTier = tiers.tier(tier);
        expertTier.place(nowPicos, bytes);
    }

    /** The replica now holds {@code occupied} KV blocks (used or cached): books the change. */
    void kvBlocks(long nowPicos, int occupied) {
        kvTier.place(nowPicos, (occupied - blocks) * blockBytes);
        blocks = occupied;
    }

    /** The replica's offloaded work has moved these totals so far (all ranks): books what is new since the last call. */
    void offloadMoved(double h2dBytes, double d2hBytes) {
        double up = h2dBytes - h2dBooked;
        double down = d2hBytes - d2hBooked;
        host.read(up);
        hbm.write(up);
        hbm.read(down);
        host.write(down);
        hbmWritten += up;
        hbmRead += down;
        h2dBooked = h2dBytes;
        d2hBooked = d2hBytes;
    }

    /** The replica has fetched this many bytes of experts from their tier so far: books what is new. */
    void expertsFetched(double tierReadBytes) {
        double fetched = tierReadBytes - fetchedBooked;
        expertTier.read(fetched);
        hbm.write(fetched);
        hbmWritten += fetched;
        fetchedBooked = tierReadBytes;
    }

    /** Bytes booked here as read out of {@code hbm} (KV swaps excluded). */
    double hbmReadBytes() {
        return hbmRead;
    }

    /** Bytes booked here as written into {@code hbm} (KV swaps excluded). */
    double hbmWriteBytes() {
        return hbmWritten;
    }
}
