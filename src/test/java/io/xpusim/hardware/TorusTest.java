package io.xpusim.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xpusim.collective.CollectiveAlgorithm;
import io.xpusim.collective.CollectiveEngine;
import io.xpusim.collective.CollectiveOp;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.units.Precision;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dimension-order routes on a torus and a ring all-reduce around it, by hand. */
class TorusTest {
    private static final long US = 1_000_000L;
    private static final LinkProfile PORT = new LinkProfile("ici", LinkKind.ICI, 100e9, 1.0, US, 0, 0, Map.of());

    /** A 4×4 torus of single-device nodes (no scale-up fabric inside a node). */
    private static Cluster torus() {
        MemoryProfile hbm = new MemoryProfile("hbm", MemoryKind.HBM, 16e9, 1e12, 1.0, 0, Map.of());
        EnumMap<Precision, Double> peak = new EnumMap<>(Precision.class);
        peak.put(Precision.BF16, 100e12);
        DeviceProfile chip = new DeviceProfile("chip", DeviceKind.NPU, "", peak, hbm, 0.8, 64, 0.5, 100, 1, 0, 0, Map.of());
        NodeProfile node = new NodeProfile("chip-node", "", chip, 1, null, ScaleUpTopology.NONE, 1, null, 0, null, 0, null, 0,
                Map.of());
        return Cluster.build(List.of(new Cluster.NodeGroup(node, 16)), ScaleOutSpec.torus(PORT, List.of(4, 4)));
    }

    @Test
    void routesGoDimensionByDimensionTheShortWay() {
        Cluster c = torus();
        List<Device> d = c.devices(); // node n is at (n mod 4, n div 4)
        assertEquals(1, c.route(d.get(0), d.get(1)).hops().size(), "x neighbour");
        assertEquals(1, c.route(d.get(0), d.get(3)).hops().size(), "x wrap-around: 0 -> 3 is one step backwards");
        assertEquals(2, c.route(d.get(0), d.get(5)).hops().size(), "(0,0) -> (1,1): one x step, one y step");
        assertEquals(4, c.route(d.get(0), d.get(10)).hops().size(), "(0,0) -> (2,2): two each way");
        assertEquals(4 * US, c.route(d.get(0), d.get(10)).latencyPicos(), "a latency per hop");
        assertEquals(16 * 2 * 2, c.linkResources().size(), "two directions of two dimensions per node");
    }

    @Test
    void ringAllReduceAroundTheTorusUsesDistinctPorts() {
        Cluster c = torus();
        Simulation sim = new Simulation();
        CollectiveEngine engine = new CollectiveEngine(sim, new FairShareSolver(sim), c);
        double[] done = {-1};
        double bytes = 1e9;
        engine.run(CollectiveOp.ALL_REDUCE, c.devices(), bytes, CollectiveAlgorithm.RING, () -> done[0] = sim.now() / 1e12);
        sim.run();
        // node order walks x then wraps to the next row with one x and one y hop; no port carries two flows, so every
        // flow runs at the port's 100 GB/s: 2·15/16·1 GB / 100 GB/s, plus 2·15 steps of the ring's mean route latency
        // (12 one-hop routes, the 4 row changes 2 hops: 20 µs / 16 = 1.25 µs)
        double expected = 2.0 * 15 / 16 * bytes / 100e9 + 30 * 1.25e-6;
        assertEquals(expected, done[0], 1e-9);
    }

    @Test
    void dimensionsMustMatchTheNodeCount() {
        MemoryProfile hbm = new MemoryProfile("hbm", MemoryKind.HBM, 16e9, 1e12, 1.0, 0, Map.of());
        DeviceProfile chip = new DeviceProfile("chip", DeviceKind.NPU, "", new EnumMap<>(Precision.class), hbm, 0.8, 64, 0.5,
                100, 1, 0, 0, Map.of());
        NodeProfile node = new NodeProfile("n", "", chip, 1, null, ScaleUpTopology.NONE, 1, null, 0, null, 0, null, 0, Map.of());
        assertThrows(IllegalArgumentException.class,
                () -> Cluster.build(List.of(new Cluster.NodeGroup(node, 15)), ScaleOutSpec.torus(PORT, List.of(4, 4))));
    }
}
