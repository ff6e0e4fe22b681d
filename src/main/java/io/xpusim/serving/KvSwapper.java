package io.xpusim.serving;

import io.xpusim.collective.TierTransfers;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Join;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.TierUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One replica's KV offload tiers (vLLM's preemption by swap, extended down a hierarchy GPU → CPU → CXL → SSD). At
 * schedule time it decides — a preempted request's KV goes to the tier its {@link KvPlacement} picks (after any
 * demotions it asks for), a swapped request coming back leaves its tier — and books the space; the moves themselves
 * run before the iteration's kernels ({@link #run}), every rank's share over its own host link to the tier units of
 * its socket, and the iteration waits for them (the stall). A chain of moves for one preemption runs in order, so a
 * tier never physically holds more than its capacity; chains of different requests run at once unless one demotes.
 */
final class KvSwapper implements KvPlacement.Tiers {
    /** Orders swap-outs over all replicas of a run (the LRU order of a node's shared tier spaces). */
    static final class Sequence {
        private long next;
    }

    private enum Kind { OUT, DEMOTE, IN }

    private record Op(Kind kind, ServingRequest request, int from, int to, double bytes) {
    }

    private final List<String> tierNames;
    private final KvTierSpace[] spaces;
    private final KvPlacement placement;
    private final double blockBytesPerRank;
    private final List<Device> devices;
    private final Simulation sim;
    private final TierTransfers transfers;
    private final TierUsage hbm;
    private final TierUsage[] usage;
    private final Sequence sequence;
    private final List<List<Op>> pending = new ArrayList<>();
    private final Set<ServingRequest> movingThisStep = new HashSet<>();
    private long swapOuts;
    private long swapIns;
    private long demotions;
    private long fallbacks;
    private double bytesOut;
    private double bytesIn;
    private double bytesDemoted;
    private double stallSeconds;

    /**
     * @param spaces     the node's KV space of each tier, in the order of {@code tierNames}
     * @param sim        the clock moves run on; with {@code transfers}, {@code tiers} null: bookkeeping only, for tests
     *                   of the decisions
     * @param transfers  moves the bytes
     * @param tiers      the run's tier ledger
     */
    KvSwapper(List<String> tierNames, KvTierSpace[] spaces, KvPlacement placement, double blockBytesPerRank,
              List<Device> devices, Simulation sim, TierTransfers transfers, MemoryTiers tiers, Sequence sequence) {
        this.tierNames = List.copyOf(tierNames);
        this.spaces = spaces.clone();
        this.placement = placement;
        this.blockBytesPerRank = blockBytesPerRank;
        this.devices = List.copyOf(devices);
        this.sim = sim;
        this.transfers = transfers;
        this.sequence = sequence;
        this.hbm = tiers == null ? null : tiers.tier(io.xpusim.hardware.TierSpec.DEVICE);
        this.usage = new TierUsage[spaces.length];
        for (int t = 0; t < spaces.length && tiers != null; t++) {
            usage[t] = tiers.tier(tierNames.get(t));
        }
    }

    // ---------------------------------------------------------------- what a placement sees

    @Override
    public int count() {
        return spaces.length;
    }

    @Override
    public double free(int tier) {
        return spaces[tier].free();
    }

    @Override
    public Iterable<ServingRequest> leastRecentFirst(int tier) {
        return spaces[tier].leastRecentFirst();
    }

    @Override
    public double bytes(ServingRequest r) {
        return bytesOf(r.swappedBlocks);
    }

    @Override
    public boolean moving(ServingRequest r) {
        return movingThisStep.contains(r);
    }

    private double bytesOf(int blocks) {
        return blocks * blockBytesPerRank * devices.size();
    }

    // ---------------------------------------------------------------- decisions at schedule time

    /** A new iteration is being scheduled: nothing of the last one is still moving. */
    void beginStep() {
        movingThisStep.clear();
    }

    /**
     * Swaps out a preempted request holding {@code blocks} KV blocks (its pages in HBM are already freed by the
     * caller); false when no tier can take it, and nothing was booked.
     */
    boolean swapOut(ServingRequest r, int blocks) {
        double bytes = bytesOf(blocks);
        List<KvPlacement.Move> moves = new ArrayList<>();
        int tier = placement.place(this, bytes, moves);
        if (tier < 0) {
            fallbacks++;
            return false;
        }
        List<Op> chain = new ArrayList<>();
        for (KvPlacement.Move m : moves) {
            ServingRequest x = m.request();
            double b = bytes(x);
            spaces[m.from()].uncommit(x, b);
            spaces[m.to()].commit(x, b);
            x.kvTier = m.to();
            movingThisStep.add(x);
            chain.add(new Op(Kind.DEMOTE, x, m.from(), m.to(), b));
            demotions++;
        }
        r.swappedBlocks = blocks;
        r.swapSeq = sequence.next++;
        r.kvTier = tier;
        spaces[tier].commit(r, bytes);
        movingThisStep.add(r);
        chain.add(new Op(Kind.OUT, r, -1, tier, bytes));
        pending.add(chain);
        swapOuts++;
        return true;
    }

    /** Brings a swapped request's KV back into HBM (its blocks are already allocated by the caller). */
    void swapIn(ServingRequest r) {
        double bytes = bytes(r);
        int tier = r.kvTier;
        spaces[tier].uncommit(r, bytes);
        r.kvTier = -1;
        movingThisStep.add(r);
        pending.add(List.of(new Op(Kind.IN, r, tier, -1, bytes)));
        swapIns++;
    }

    /** Whether this iteration has moves to wait for. */
    boolean hasPending() {
        return !pending.isEmpty();
    }

    // ---------------------------------------------------------------- the moves

    /**
     * Runs this iteration's moves and then {@code then}; the time it waits is counted as stall. Requires transfers.
     * Chains run at once — unless one demotes (a later chain may have been placed in room an earlier chain's demotion
     * frees) or a request moves twice: then they run one after another in the order they were planned.
     */
    void run(Runnable then) {
        List<Op> all = new ArrayList<>();
        Set<ServingRequest> seen = new HashSet<>();
        boolean ordered = false;
        for (List<Op> chain : pending) {
            all.addAll(chain);
            for (Op op : chain) {
                // a demotion, or a request moved twice (swapped out, then straight back in on an idle replica)
                ordered |= op.kind() == Kind.DEMOTE || !seen.add(op.request());
            }
        }
        List<List<Op>> chains = ordered ? List.of(all) : new ArrayList<>(pending);
        pending.clear();
        long start = sim.now();
        Join done = new Join(chains.size(), () -> {
            stallSeconds += (sim.now() - start) / 1e12;
            then.run();
        });
        for (List<Op> chain : chains) {
            runChain(chain, 0, done::arrive);
        }
    }

    private void runChain(List<Op> chain, int i, Runnable done) {
        if (i == chain.size()) {
            done.run();
            return;
        }
        Op op = chain.get(i);
        started(op);
        Join ranks = new Join(devices.size(), () -> {
            finished(op);
            runChain(chain, i + 1, done);
        });
        double perRank = op.bytes() / devices.size();
        for (Device d : devices) {
            switch (op.kind()) {
                case OUT -> transfers.device(d, tierNames.get(op.to()), perRank, true, ranks::arrive);
                case IN -> transfers.device(d, tierNames.get(op.from()), perRank, false, ranks::arrive);
                case DEMOTE -> transfers.between(d, tierNames.get(op.from()), tierNames.get(op.to()), perRank,
                        ranks::arrive);
            }
        }
    }

    private void started(Op op) {
        if (op.to() >= 0) {
            spaces[op.to()].writeStarted(op.bytes());
            usage[op.to()].place(sim.now(), op.bytes());
        }
    }

    private void finished(Op op) {
        long now = sim.now();
        if (op.from() >= 0) {
            spaces[op.from()].readDone(op.bytes());
            usage[op.from()].read(op.bytes());
            usage[op.from()].place(now, -op.bytes());
        } else {
            hbm.read(op.bytes());
        }
        if (op.to() >= 0) {
            spaces[op.to()].writeDone(op.bytes());
            usage[op.to()].write(op.bytes());
        } else {
            hbm.write(op.bytes());
        }
        switch (op.kind()) {
            case OUT -> bytesOut += op.bytes();
            case IN -> bytesIn += op.bytes();
            case DEMOTE -> bytesDemoted += op.bytes();
        }
    }

    // ---------------------------------------------------------------- counts

    long swapOuts() {
        return swapOuts;
    }

    long swapIns() {
        return swapIns;
    }

    long demotions() {
        return demotions;
    }

    /** Preemptions no tier could take (preempted by recompute instead). */
    long fallbacks() {
        return fallbacks;
    }

    /** KV bytes moved out of HBM so far (completed swap-outs). */
    double bytesOut() {
        return bytesOut;
    }

    /** KV bytes moved back into HBM so far (completed swap-ins). */
    double bytesIn() {
        return bytesIn;
    }

    double bytesDemoted() {
        return bytesDemoted;
    }

    /** Seconds iterations waited for their moves. */
    double stallSeconds() {
        return stallSeconds;
    }

    List<String> tierNames() {
        return tierNames;
    }
}
