package io.xpusim.serving;

import io.xpusim.hardware.TierSpec;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.TierUsage;

/**
 * One replica's share of the run's memory tiers: its resident weights and activation reserve on every device in
 * {@code hbm}; its streamed weights in the host tier ({@code cpu}); its KV pages as they change, in the tier the KV
 * cache lives in ({@code hbm}; {@code cpu} with attention on the CPU; the computational-storage tier with
 * {@code attention: csd}); its offloaded experts in their tier; and the bytes its offloaded work moves: streamed
 * weights and fetched experts read from their tier and written to {@code hbm}; what the devices send an offloaded
 * attention read from {@code hbm} and, as far as it lands there, written to the KV's tier (all of it in host DRAM;
 * only the prompts' KV and the per-token k/v appends in a drive's flash); the outputs written to {@code hbm}; and the
 * attention's own memory traffic (host CPU: KV, q, outputs; the drives' engines: KV) read from the KV's tier. KV
 * swaps are booked by {@link KvSwapper}, not here.
 */
final class ReplicaMemory {
    private final MemoryTiers tiers;
    private final TierUsage hbm;
    private final TierUsage host;
    private TierUsage expertTier;
    private final TierUsage kvTier;
    private final double blockBytes;
    private int blocks;
    private OffloadTotals booked = new OffloadTotals(0, 0, 0, 0, 0, 0);
    private double fetchedBooked;
    private double hbmRead;
    private double hbmWritten;

    /**
     * Places the fixed bytes now.
     *
     * @param deviceBytes weights resident on the devices plus the activation reserve, all devices of the replica
     * @param hostBytes   streamed weights held in host memory, all devices of the replica (0 without weight offload)
     * @param blockBytes  one KV block over the ranks holding it
     * @param kvTier      the tier the KV blocks live in ({@link MemoryPlan#kvTier()})
     */
    ReplicaMemory(MemoryTiers tiers, long nowPicos, double deviceBytes, double hostBytes, double blockBytes,
                  String kvTier) {
        this.tiers = tiers;
        this.hbm = tiers.tier(TierSpec.DEVICE);
        this.host = tiers.has(TierSpec.HOST) ? tiers.tier(TierSpec.HOST) : null;
        if ((hostBytes > 0 || kvTier.equals(TierSpec.HOST)) && host == null) {
            throw new InfeasibleConfigurationException("offloading needs host memory, and the cluster has none",
                    "use a node with host-memory, or remove strategy.offload");
        }
        this.kvTier = tiers.tier(kvTier);
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
    void offloadMoved(OffloadTotals now) {
        double streamed = now.streamedWeightBytes() - booked.streamedWeightBytes();
        double up = now.fromTargetBytes() - booked.fromTargetBytes();
        double down = now.toTargetBytes() - booked.toTargetBytes();
        if (streamed > 0) {
            host.read(streamed);
        }
        kvTier.write(now.tierWriteBytes() - booked.tierWriteBytes());
        kvTier.read(now.tierReadBytes() - booked.tierReadBytes());
        hbm.write(streamed + up);
        hbm.read(down);
        hbmWritten += streamed + up;
        hbmRead += down;
        booked = now;
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
