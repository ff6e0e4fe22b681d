package io.xpusim.collective;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.LinkProfile;
import io.xpusim.hardware.Route;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import java.util.List;

/**
 * Lowers collectives to flows on the cluster's routes, where they contend with everything else through
 * the fair-share solver. Today: ring all-reduce, each rank sending 2(n−1)/n of the buffer to its ring
 * successor. On links with a measured collective curve each flow's rate is capped at the curve's bus
 * bandwidth for the message size (see {@link LinkProfile#collectiveEfficiency}); otherwise the alpha-beta
 * model applies: full achieved bandwidth plus 2(n−1) latency steps per all-reduce.
 */
public final class CollectiveEngine {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final Cluster cluster;
    private double bytesSent;
    private double bytesDelivered;

    public CollectiveEngine(Simulation sim, FairShareSolver solver, Cluster cluster) {
        this.sim = sim;
        this.solver = solver;
        this.cluster = cluster;
    }

    /** Bytes put on the wire by all collectives started so far. */
    public double bytesSent() {
        return bytesSent;
    }

    /** Bytes that arrived; equals {@link #bytesSent()} once every collective has finished. */
    public double bytesDelivered() {
        return bytesDelivered;
    }

    /**
     * Runs {@code count} back-to-back ring all-reduces of {@code bytes} each over {@code group} (for
     * example, the two per layer of a tensor-parallel forward pass) and calls {@code done} when all have
     * finished. A group of one device finishes at once.
     */
    public void allReduce(List<Device> group, double bytes, int count, Runnable done) {
        int n = group.size();
        if (new java.util.HashSet<>(group).size() != n) {
            throw new IllegalArgumentException("a collective group lists a device twice: " + group);
        }
        if (n <= 1 || count == 0 || bytes <= 0) {
            done.run();
            return;
        }
        double perRankBytes = count * bytes * 2.0 * (n - 1) / n;
        long stepLatency = 0;
        double rateCap = Double.POSITIVE_INFINITY;
        boolean curve = true;
        Route[] routes = new Route[n];
        for (int i = 0; i < n; i++) {
            routes[i] = cluster.route(group.get(i), group.get((i + 1) % n));
            LinkProfile link = routes[i].link();
            stepLatency = Math.max(stepLatency, routes[i].latencyPicos());
            curve &= link.hasCollectiveCurve();
            rateCap = Math.min(rateCap, link.achievedBandwidthBytesPerSecond() * link.collectiveEfficiency(bytes));
        }
        long latency = curve ? 0 : (long) count * 2L * (n - 1) * stepLatency;
        double cap = curve ? rateCap : Double.POSITIVE_INFINITY;
        int[] outstanding = {n};
        Activity.Completion onFlowDone = a -> {
            bytesDelivered += a.totalWork();
            if (--outstanding[0] == 0) {
                if (latency == 0) {
                    done.run();
                } else {
                    sim.scheduleIn(latency, arg -> done.run(), 0);
                }
            }
        };
        Activity[] flows = new Activity[n];
        for (int i = 0; i < n; i++) {
            bytesSent += perRankBytes;
            flows[i] = new Activity("all-reduce flow", perRankBytes, routes[i].hopsArray(), cap, onFlowDone);
        }
        solver.startAll(flows);
    }
}
