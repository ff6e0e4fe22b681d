package io.xpusim.collective;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.MemoryUnit;
import io.xpusim.hardware.Route;
import io.xpusim.kernel.EventHandler;
import io.xpusim.kernel.Join;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import java.util.List;

/**
 * Moves bytes between a device's memory and a memory tier of its node, or between two tiers, as flows over the
 * cluster's resources (host link, socket link, the units' attachment links and media), where they contend with
 * everything else through the solver. A device's data in a tier is interleaved evenly over the tier's units nearest
 * the device ({@link Cluster#unitsFor}); each part pays its path's latency once, then streams.
 */
public final class TierTransfers {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final Cluster cluster;
    private double bytesStarted;
    private double bytesDone;

    public TierTransfers(Simulation sim, FairShareSolver solver, Cluster cluster) {
        this.sim = sim;
        this.solver = solver;
        this.cluster = cluster;
    }

    /** Bytes of every transfer started so far. */
    public double bytesStarted() {
        return bytesStarted;
    }

    /** Bytes delivered; equals {@link #bytesStarted()} when no transfer is in flight. */
    public double bytesDone() {
        return bytesDone;
    }

    /**
     * Moves {@code bytes} of device {@code d}'s data to tier {@code tier} ({@code toTier}) or back from it, and calls
     * {@code done} when the last part has landed. Throws when the node has no such tier.
     */
    public void device(Device d, String tier, double bytes, boolean toTier, Runnable done) {
        List<MemoryUnit> units = units(d, tier);
        Join join = new Join(units.size(), done);
        for (MemoryUnit u : units) {
            flow(cluster.tierPath(d, u, toTier), bytes / units.size(), join);
        }
    }

    /**
     * Moves {@code bytes} of device {@code d}'s data from tier {@code from} to tier {@code to} (demoting KV blocks from
     * host DRAM to CXL, reading optimizer states from NVMe into DRAM): every source unit sends an equal share to every
     * destination unit.
     */
    public void between(Device d, String from, String to, double bytes, Runnable done) {
        List<MemoryUnit> src = units(d, from);
        List<MemoryUnit> dst = units(d, to);
        Join join = new Join(src.size() * dst.size(), done);
        for (MemoryUnit a : src) {
            for (MemoryUnit b : dst) {
                flow(cluster.unitPath(a, b), bytes / (src.size() * dst.size()), join);
            }
        }
    }

    private List<MemoryUnit> units(Device d, String tier) {
        List<MemoryUnit> units = cluster.unitsFor(d, tier);
        if (units.isEmpty()) {
            throw new IllegalArgumentException("the node of " + d.name() + " has no memory tier '" + tier + "'");
        }
        return units;
    }

    private void flow(Route route, double bytes, Join join) {
        bytesStarted += bytes;
        EventHandler start = arg -> solver.start(new Activity("tier transfer", bytes, route.hopsArray(),
                Double.POSITIVE_INFINITY, a -> {
                    bytesDone += bytes;
                    join.arrive();
                }));
        if (route.latencyPicos() > 0) {
            sim.scheduleIn(route.latencyPicos(), start, 0);
        } else {
            start.handle(0);
        }
    }
}
