package io.xpusim.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.hardware.Cluster;
import io.xpusim.metrics.CollectiveRecord;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.Route;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.hardware.ScaleOutTopology;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CloudMatrix384 supernode (384 Ascend 910C on a flat Unified Bus) and the Gaudi 3 box (RoCE full mesh), with
 * expectations worked out by hand from their profiles: UB 392 GB/s × 0.8 = 313.6 GB/s per NPU port and 2 µs per
 * step; Gaudi 3 525 GB/s × 0.85 = 446.25 GB/s per card, 75 GB/s × 0.85 per peer link, 4 µs per step.
 */
class SupernodeCollectiveTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));
    private static final double MIB = 1024.0 * 1024;
    private static final double UB = 392e9 * 0.8;
    private static final double UB_STEP = 2e-6;

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private static Cluster cluster(String node, int count, ScaleOutSpec scaleOut) {
        return Cluster.build(List.of(new Cluster.NodeGroup(LIB.node(ref(node), "n").value(), count)), scaleOut);
    }

    /** Runs one collective; checks bytes are conserved and no link ran above capacity; returns seconds. */
    private static double run(Cluster c, CollectiveOp op, List<Device> group, double bytes, CollectiveAlgorithm alg,
                              CollectiveAlgorithm expected) {
        Simulation sim = new Simulation();
        CollectiveEngine engine = new CollectiveEngine(sim, new FairShareSolver(sim), c);
        double[] done = {-1};
        assertEquals(expected, engine.run(op, group, bytes, alg, () -> done[0] = sim.now() / 1e12));
        sim.run();
        assertEquals(engine.bytesSent(), engine.bytesDelivered(), 1e-9 * engine.bytesSent(), "bytes conserved");
        for (Resource r : c.linkResources()) {
            assertTrue(r.peakRate() <= r.capacityPerSecond() * (1 + 1e-9), r.name() + " above capacity");
        }
        return done[0];
    }

    @Test
    void a384NpuDomainIsOneFlatNodeOfBoards() {
        Cluster c = cluster("cloudmatrix384", 1, null);
        assertEquals(384, c.devices().size());
        assertEquals("node0/board0/npu0", c.devices().get(0).name());
        assertEquals("node0/board47/npu7", c.devices().get(383).name());
        // any two NPUs, same board or not, are one hop through the non-blocking UB: out of one port, into the other
        Route far = c.route(c.devices().get(0), c.devices().get(383));
        Route near = c.route(c.devices().get(0), c.devices().get(1));
        assertEquals(2, far.hops().size());
        assertEquals(near.hops().size(), far.hops().size());
        assertEquals(2_000_000L, far.latencyPicos());
        assertEquals(384 * 2 + 384 * 2, c.linkResources().size(), "a UB port and a host path per NPU, both directions");
    }

    @Test
    void flatAllToAllTakesPerNpuBytesOverTheUbPortPlusOneStep() {
        Cluster c = cluster("cloudmatrix384", 1, null);
        double s = 128 * MIB;
        double t = run(c, CollectiveOp.ALL_TO_ALL, c.devices(), s, CollectiveAlgorithm.AUTO, CollectiveAlgorithm.DIRECT);
        // each NPU sends 383/384 of its buffer to the others through its own port, and receives as much
        assertEquals(383.0 / 384 * s / UB + UB_STEP, t, 1e-9);
    }

    @Test
    void allReducePicksTheMeshAndReachesTheUbPortRate() {
        Cluster c = cluster("cloudmatrix384", 1, null);
        double s = 1024 * MIB;
        double t = run(c, CollectiveOp.ALL_REDUCE, c.devices(), s, CollectiveAlgorithm.AUTO, CollectiveAlgorithm.MESH);
        // reduce-scatter + all-gather to every peer: 2·383/384 of the buffer through each port, 2 steps (a ring: 766)
        assertEquals(2.0 * 383 / 384 * s / UB + 2 * UB_STEP, t, 1e-9);
        double ring = run(c, CollectiveOp.ALL_REDUCE, c.devices(), s, CollectiveAlgorithm.RING, CollectiveAlgorithm.RING);
        assertEquals(2.0 * 383 / 384 * s / UB + 766 * UB_STEP, ring, 1e-9);
    }

    @Test
    void portEquivalentMeshEqualsTheFullPerPairMesh() {
        // the supernode mesh is lowered as one flow per port; the same bytes as n(n-1) per-pair flows take the same time
        Cluster c = cluster("cloudmatrix384", 1, null);
        List<Device> g = c.devices().subList(0, 16);
        double s = 64 * MIB;
        double lowered = run(c, CollectiveOp.REDUCE_SCATTER, g, s, CollectiveAlgorithm.AUTO, CollectiveAlgorithm.MESH);
        double[][] pairs = new double[16][16];
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 16; j++) {
                pairs[i][j] = i == j ? 0 : s / 16;
            }
        }
        Simulation sim = new Simulation();
        Cluster fresh = cluster("cloudmatrix384", 1, null);
        CollectiveEngine engine = new CollectiveEngine(sim, new FairShareSolver(sim), fresh);
        double[] done = {-1};
        engine.allToAll(fresh.devices().subList(0, 16), pairs, () -> done[0] = sim.now() / 1e12);
        sim.run();
        assertEquals(done[0], lowered, 1e-12);
    }

    /** A deterministic skewed matrix: rank 0 is a hot receiver, rank 1 a heavy sender, the rest random-ish. */
    private static double[][] skewed(int n, double unit) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i][j] = i == j ? 0 : unit * (1 + r.nextInt(4) + (j == 0 ? 6 : 0) + (i == 1 ? 3 : 0));
            }
        }
        return m;
    }

    /** max over ranks of max(row sum, column sum), the diagonal excluded. */
    private static double busiestPort(double[][] m) {
        double worst = 0;
        for (int i = 0; i < m.length; i++) {
            double row = 0;
            double col = 0;
            for (int j = 0; j < m.length; j++) {
                row += i == j ? 0 : m[i][j];
                col += i == j ? 0 : m[j][i];
            }
            worst = Math.max(worst, Math.max(row, col));
        }
        return worst;
    }

    /** Runs an all-to-all through the engine; checks bytes and capacities as {@link #run} does; returns seconds. */
    private static double allToAll(Cluster c, List<Device> g, double[][] m) {
        Simulation sim = new Simulation();
        CollectiveEngine engine = new CollectiveEngine(sim, new FairShareSolver(sim), c);
        double[] done = {-1};
        engine.allToAll(g, m, () -> done[0] = sim.now() / 1e12);
        sim.run();
        double total = 0;
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                total += i == j ? 0 : m[i][j];
            }
        }
        assertEquals(total, engine.bytesSent(), 1e-9 * total, "every off-diagonal byte sent once");
        assertEquals(engine.bytesSent(), engine.bytesDelivered(), 1e-9 * total, "bytes conserved");
        for (Resource r : c.linkResources()) {
            assertTrue(r.peakRate() <= r.capacityPerSecond() * (1 + 1e-9), r.name() + " above capacity");
        }
        return done[0];
    }

    /** The same matrix as n(n−1) per-pair flows on the cluster's routes, shared max-min, plus the slowest route's latency. */
    private static double perPairFlows(Cluster c, double[][] m) {
        List<Device> g = c.devices().subList(0, m.length);
        Simulation sim = new Simulation();
        FairShareSolver solver = new FairShareSolver(sim);
        List<io.xpusim.resource.Activity> flows = new java.util.ArrayList<>();
        double[] last = {0};
        long latency = 0;
        for (int i = 0; i < g.size(); i++) {
            for (int j = 0; j < g.size(); j++) {
                if (i != j && m[i][j] > 0) {
                    latency = Math.max(latency, c.route(g.get(i), g.get(j)).latencyPicos());
                    flows.add(new io.xpusim.resource.Activity("pair", m[i][j], c.route(g.get(i), g.get(j)).hopsArray(),
                            Double.POSITIVE_INFINITY, a -> last[0] = sim.now() / 1e12));
                }
            }
        }
        solver.startAll(flows.toArray(new io.xpusim.resource.Activity[0]));
        sim.run();
        return last[0] + latency / 1e12;
    }

    @Test
    void skewedAllToAllOnTheSupernodeTakesItsBusiestPortAtTheUbRate() {
        Cluster c = cluster("cloudmatrix384", 1, null);
        List<Device> g = c.devices().subList(0, 32);
        double[][] m = skewed(32, MIB);
        double t = allToAll(c, g, m);
        // by hand: rank 0 receives 31 × (1..4 + 6) MiB, rank 1 sends 31 × (1..4 + 3): the larger line sum at 313.6 GB/s
        assertEquals(busiestPort(m) / UB + UB_STEP, t, 1e-12);
        assertTrue(busiestPort(m) > 31 * 7 * MIB, "the hot receiver dominates");
        // per-pair max-min flows can only be slower (the per-port time is the least any schedule can take)
        double pairs = perPairFlows(cluster("cloudmatrix384", 1, null), m);
        assertTrue(pairs >= t * (1 - 1e-12), "per-pair " + pairs + " vs per-port " + t);
    }

    @Test
    void uniformAllToAllPerPortEqualsPerPairFlows() {
        Cluster c = cluster("cloudmatrix384", 1, null);
        List<Device> g = c.devices().subList(0, 24);
        double[][] m = new double[24][24];
        for (int i = 0; i < 24; i++) {
            for (int j = 0; j < 24; j++) {
                m[i][j] = i == j ? 0 : 3 * MIB;
            }
        }
        double t = allToAll(c, g, m);
        assertEquals(23 * 3 * MIB / UB + UB_STEP, t, 1e-12);
        assertEquals(perPairFlows(cluster("cloudmatrix384", 1, null), m), t, 1e-12);
        // and the uniform collective (run as n port-equivalent flows) gives the same time for the same buffer
        Cluster other = cluster("cloudmatrix384", 1, null);
        double viaRun = run(other, CollectiveOp.ALL_TO_ALL, other.devices().subList(0, 24), 24 * 3 * MIB,
                CollectiveAlgorithm.AUTO, CollectiveAlgorithm.DIRECT);
        assertEquals(t, viaRun, 1e-12);
    }

    @Test
    void skewedAllToAllInsideOneNvSwitchNodeIsPerPortToo() {
        // DGX H100: every GPU has one NVLink port (450 GB/s × 0.88) into the non-blocking NVSwitch, 2.4 µs per step
        Cluster c = cluster("dgx-h100", 1, null);
        double[][] m = skewed(8, 64 * MIB);
        double t = allToAll(c, c.devices(), m);
        assertEquals(busiestPort(m) / (450e9 * 0.88) + 2.4e-6, t, 1e-12);
        assertTrue(perPairFlows(cluster("dgx-h100", 1, null), m) >= t * (1 - 1e-12));
    }

    @Test
    void acrossNodesTheSkewedAllToAllStaysPerPair() {
        // two DGX over a fat tree: not one non-blocking switch, so the engine runs the per-pair flows (exactly them)
        ScaleOutSpec ib = new ScaleOutSpec(ScaleOutTopology.RAIL_OPTIMIZED_FAT_TREE, LIB.link(ref("ib-ndr400"), "nic").value(),
                8, 1, 32);
        double[][] m = skewed(16, 16 * MIB);
        Cluster c = cluster("dgx-h100", 2, ib);
        double t = allToAll(c, c.devices(), m);
        Cluster fresh = cluster("dgx-h100", 2, ib);
        double pairs = perPairFlows(fresh, m);
        assertTrue(t > busiestPort(m) / (450e9 * 0.88), "bound by the NICs, not the NVLink ports");
        assertEquals(pairs, t, 1e-12);
    }

    @Test
    void twoSupernodesJoinedByTheirRdmaPlane() {
        ScaleOutSpec rdma = new ScaleOutSpec(ScaleOutTopology.RAIL_OPTIMIZED_FAT_TREE, LIB.link(ref("roce-400g"), "nic").value(),
                384, 1, 32);
        Cluster c = cluster("cloudmatrix384", 2, rdma);
        assertEquals(768, c.devices().size());
        assertEquals("node1/board0/npu0", c.devices().get(384).name());
        double s = 1024 * MIB;
        double t = run(c, CollectiveOp.ALL_REDUCE, c.devices(), s, CollectiveAlgorithm.AUTO, CollectiveAlgorithm.TREE);
        // pipelined stages at once: reduce-scatter and all-gather inside each supernode share every UB port
        // (2 · 383/384 · S through it), the NIC stage carries S/384 per NPU at 50 GB/s × 0.85: the UB binds
        double inNode = 2.0 * 383 / 384 * s / UB;
        assertTrue(s / 384 / (50e9 * 0.85) < inNode);
        // latency: 1 + 1 mesh steps inside, 2·log2(2) = 2 steps across at the slowest route (the RoCE NIC's 6 µs)
        assertEquals(inNode + 2 * UB_STEP + 2 * 6e-6, t, 1e-9);
    }

    @Test
    void gaudi3MeshUsesAllSevenRoceLinksAndARingOnlyOne() {
        Cluster c = cluster("gaudi3-8", 1, null);
        double s = 4096 * MIB;
        double mesh = run(c, CollectiveOp.ALL_REDUCE, c.devices(), s, CollectiveAlgorithm.AUTO, CollectiveAlgorithm.MESH);
        double busbw = s / mesh * 2 * 7 / 8;
        // bus bandwidth bounded by the card's 21 scale-up ports (525 GB/s), reaching 0.85 of it less 2 steps of 4 µs
        assertTrue(busbw <= 525e9);
        assertEquals(2.0 * 7 / 8 * s / (525e9 * 0.85) + 2 * 4e-6, mesh, 1e-9);
        double ring = run(c, CollectiveOp.ALL_REDUCE, c.devices(), s, CollectiveAlgorithm.RING, CollectiveAlgorithm.RING);
        assertEquals(2.0 * 7 / 8 * s / (75e9 * 0.85) + 14 * 4e-6, ring, 1e-9);
    }

    /** The shipped scenarios give the hand-derived numbers at their largest size (their invariants run in the suite). */
    @Test
    void shippedScenariosMatchTheHandDerivedTimes() throws Exception {
        CollectiveRecord a2a = largest("alltoall-cloudmatrix384");
        assertEquals(383.0 / 384 * a2a.sizeBytes() / UB + UB_STEP, a2a.timeSeconds(), 1e-9);
        CollectiveRecord ar = largest("allreduce-cloudmatrix384");
        assertEquals("mesh", ar.algorithm());
        assertEquals(2.0 * 383 / 384 * ar.sizeBytes() / UB + 2 * UB_STEP, ar.timeSeconds(), 1e-9);
        CollectiveRecord gaudi = largest("allreduce-gaudi3-8");
        assertTrue(gaudi.busbwBytesPerSecond() <= 525e9 * 0.85, "Gaudi 3 busbw within the card's 21 ports: " + gaudi);
        assertEquals(525e9 * 0.85, gaudi.busbwBytesPerSecond(), 0.001 * 525e9 * 0.85);
        CollectiveRecord two = largest("allreduce-2x-cloudmatrix384");
        assertEquals(2.0 * 383 / 384 * two.sizeBytes() / UB + 2 * UB_STEP + 2 * 6e-6, two.timeSeconds(), 1e-9);
    }

    private static CollectiveRecord largest(String scenario) throws Exception {
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(Path.of("scenarios/collective/" + scenario + ".yaml"),
                List.of("outputs.charts=false")), RunLimits.NONE, null);
        return r.collectives().get(r.collectives().size() - 1);
    }
}
