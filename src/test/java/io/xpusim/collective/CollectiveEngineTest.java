package io.xpusim.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceKind;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.LinkKind;
import io.xpusim.hardware.LinkProfile;
import io.xpusim.hardware.MemoryKind;
import io.xpusim.hardware.MemoryProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.RouteNotFoundException;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.hardware.ScaleOutTopology;
import io.xpusim.hardware.ScaleUpTopology;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ring all-reduce lowered to flows: alpha-beta time and byte accounting worked by hand. */
class CollectiveEngineTest {
    private static final long US = 1_000_000L;

    private static DeviceProfile gpu() {
        EnumMap<Precision, Double> peaks = new EnumMap<>(Precision.class);
        peaks.put(Precision.BF16, 989e12);
        MemoryProfile hbm = new MemoryProfile("hbm", MemoryKind.HBM, 80e9, 3.35e12, 0.9, 0, Map.of());
        return new DeviceProfile("gpu", DeviceKind.GPU, "test", peaks, hbm, 0.8, 148, 0.33, 700, 3, 0, 0, Map.of());
    }

    private static NodeProfile node(LinkProfile link) {
        return new NodeProfile("n", "test", gpu(), 8, link, ScaleUpTopology.SWITCH, 8, null, 0, null, 0, null, 0,
                Map.of());
    }

    private static final LinkProfile PLAIN = new LinkProfile("nvl", LinkKind.NVLINK, 100e9, 1.0, US, 0, 0, Map.of());

    private final Simulation sim = new Simulation();
    private final FairShareSolver solver = new FairShareSolver(sim);

    @Test
    void ringAllReduceAlphaBeta() {
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(node(PLAIN), 1)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] doneAt = {-1};
        eng.allReduce(c.devices(), 80e6, 1, () -> doneAt[0] = sim.now());
        sim.run();
        // each rank sends 2·(n−1)/n · S = 2 · 7/8 · 80e6 = 140e6 B to its successor over its own egress and
        // the successor's ingress (no two flows share a port): 140e6 / 100e9 = 1.4e-3 s = 1,400,000,000 ps
        // plus 2·(n−1) = 14 latency steps of 1 us = 14,000,000 ps → 1,414,000,000 ps
        long expected = 1_400_000_000L + 14 * US;
        // the solver rounds a completion up to a whole picosecond: allow 1 ps
        assertEquals(expected, doneAt[0], 1.0);
        // bytes: 8 ranks · 140e6 = 1.12e9 on the wire, all delivered
        assertEquals(8 * 2 * 7 / 8.0 * 80e6, eng.bytesSent(), 1e-3);
        assertEquals(1.12e9, eng.bytesSent(), 1e-3);
        assertEquals(eng.bytesSent(), eng.bytesDelivered(), 0);
        // every egress port carried exactly one rank's 140e6 B
        for (Resource r : c.nodes().get(0).egress()) {
            assertEquals(140e6, r.workDone(sim.now()), 1.0);
        }
    }

    @Test
    void backToBackCountMultipliesBytesAndLatency() {
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(node(PLAIN), 1)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] doneAt = {-1};
        // 4 ranks, 10e6 B, 3 all-reduces: per rank 3 · 2 · 3/4 · 10e6 = 45e6 B → 45e6 / 100e9 = 450 us
        // latency 3 · 2 · 3 · 1 us = 18 us → 468 us
        eng.allReduce(c.devices().subList(0, 4), 10e6, 3, () -> doneAt[0] = sim.now());
        sim.run();
        assertEquals(468 * US, doneAt[0], 1.0);
        assertEquals(4 * 45e6, eng.bytesSent(), 1e-3);
        assertEquals(eng.bytesSent(), eng.bytesDelivered(), 0);
    }

    @Test
    void measuredCurveCapsRateAndReplacesLatency() {
        // curve: S½ = 80e6, shape 1 → at S = 80e6 bus bandwidth is 100e9 / (1 + 1) = 50e9
        LinkProfile curve = new LinkProfile("nvl", LinkKind.NVLINK, 100e9, 1.0, US, 80e6, 1.0, Map.of());
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(node(curve), 1)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] doneAt = {-1};
        eng.allReduce(c.devices(), 80e6, 1, () -> doneAt[0] = sim.now());
        sim.run();
        // 140e6 B / 50e9 B/s = 2.8e-3 s = 2,800,000,000 ps, no separate latency term
        assertEquals(2_800_000_000L, doneAt[0], 1.0);
    }

    @Test
    void trivialGroupsFinishAtOnce() {
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(node(PLAIN), 1)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        int[] calls = {0};
        eng.allReduce(List.of(c.devices().get(0)), 80e6, 1, () -> calls[0]++);
        eng.allReduce(c.devices(), 80e6, 0, () -> calls[0]++);
        eng.allReduce(c.devices(), 0, 1, () -> calls[0]++);
        assertEquals(3, calls[0], "done runs synchronously");
        assertEquals(0, eng.bytesSent(), 0);
        assertEquals(0, sim.pendingEvents());
    }

    @Test
    void concurrentAllReducesOnTheSameDevicesShareBandwidth() {
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(node(PLAIN), 1)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] done = {-1, -1};
        List<Device> g = c.devices().subList(0, 2);
        // 2 ranks, 100e6 B: per rank 2 · 1/2 · 100e6 = 100e6 B; two collectives share each port → 50e9 each
        // 100e6 / 50e9 = 2 ms = 2e9 ps, + 2·1 = 2 latency steps of 1 us = 2e6 ps
        eng.allReduce(g, 100e6, 1, () -> done[0] = sim.now());
        eng.allReduce(g, 100e6, 1, () -> done[1] = sim.now());
        sim.run();
        assertEquals(2_002_000_000L, done[0], 1.0);
        assertEquals(2_002_000_000L, done[1], 1.0);
    }

    /** Two 8-GPU nodes (NVLink 100e9, α 1 µs, no curve), a fast host link, 8 NICs per node on one switch. */
    private static Cluster twoNodesWithNic(LinkProfile nic) {
        LinkProfile host = new LinkProfile("pcie", LinkKind.PCIE, 1000e9, 1.0, US, 0, 0, Map.of());
        NodeProfile n = new NodeProfile("n", "test", gpu(), 8, PLAIN, ScaleUpTopology.SWITCH, 8, null, 0, null, 0, host, 0,
                Map.of());
        return Cluster.build(List.of(new Cluster.NodeGroup(n, 2)), new ScaleOutSpec(ScaleOutTopology.SINGLE_SWITCH, nic, 8, 1, 32));
    }

    /** NIC: 10e9 B/s, α 5 µs, curve S½ = 10e6 B, shape 1 → half the rate for a 10e6 B message. */
    private static final LinkProfile NIC_CURVE = new LinkProfile("nic", LinkKind.ETHERNET, 10e9, 1.0, 5 * US, 10e6, 1.0, Map.of());

    @Test
    void nicCurveCapsHierarchicalInterNodeFlowsAtThePerNicShard() {
        Cluster c = twoNodesWithNic(NIC_CURVE);
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] doneAt = {-1};
        eng.run(CollectiveOp.ALL_REDUCE, c.devices(), 80e6, CollectiveAlgorithm.HIERARCHICAL, () -> doneAt[0] = sim.now());
        sim.run();
        // S = 80e6, k = 8 per node, N = 2 nodes. Across: each local rank's inter-node all-reduce works on S/k = 10e6 B
        // and each of its flows sends 2·(N−1)/N · 10e6 = 10e6 B through its own NIC; the curve read at 10e6 B gives
        // 10e9 / (1 + 10e6/10e6) = 5e9 → 10e6 / 5e9 = 2 ms, and no α (the curve holds it). Read at the whole
        // buffer it would be 10e9 / (1 + 1/8) = 8.9e9 → 1.125 ms. In the nodes, the reduce-scatter and all-gather
        // flows (7/8 · 80e6 = 70e6 B each) share every NVLink port: 50e9 each → 1.4 ms, so the NIC binds; those two
        // stages have no curve and pay 7 + 7 steps of 1 µs → 2 ms + 14 µs
        assertEquals(2_000_000_000L + 14 * US, doneAt[0], 2.0);
        assertEquals(eng.bytesSent(), eng.bytesDelivered(), 0);
    }

    @Test
    void ringAcrossNodesPaysAlphaBetaOnEveryLinkAndTheRingsMeanLatency() {
        Cluster c = twoNodesWithNic(NIC_CURVE);
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] doneAt = {-1};
        eng.run(CollectiveOp.ALL_REDUCE, c.devices(), 80e6, CollectiveAlgorithm.RING, () -> doneAt[0] = sim.now());
        sim.run();
        // one ring channel per NIC: C = 8, each an all-reduce of S/C = 10e6 B over n = 16 ranks, each flow
        // 2·15/16 · 10e6 = 18.75e6 B; each channel crosses each node boundary once on its own NICs. A ring across nodes
        // ignores collective curves (alpha-beta on every link): 18.75e6 / 10e9 = 1.875 ms on the NICs; in the nodes
        // 7 channels' flows share every NVLink port: 7 · 18.75e6 / 100e9 = 1.31 ms. Each of the 2·(n−1) = 30 steps
        // pays the ring's mean route latency: 14 NVLink routes of 1 µs and 2 NIC routes of 5 µs → 24/16 = 1.5 µs → 45 µs
        assertEquals(1_875_000_000L + 45 * US, doneAt[0], 2.0);
        assertEquals(eng.bytesSent(), eng.bytesDelivered(), 0);
    }

    @Test
    void treeBeyondTwoNodesMovesTwiceTheShardPerNicAndHierarchicalLess() {
        LinkProfile nic = new LinkProfile("nic", LinkKind.IB, 10e9, 1.0, 5 * US, 0, 0, Map.of());
        LinkProfile host = new LinkProfile("pcie", LinkKind.PCIE, 1000e9, 1.0, US, 0, 0, Map.of());
        NodeProfile n = new NodeProfile("n", "test", gpu(), 8, PLAIN, ScaleUpTopology.SWITCH, 8, null, 0, null, 0, host, 0,
                Map.of());
        long[] doneAt = {-1, -1};
        CollectiveAlgorithm[] algs = {CollectiveAlgorithm.TREE, CollectiveAlgorithm.HIERARCHICAL};
        for (int i = 0; i < 2; i++) {
            Simulation s = new Simulation();
            Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(n, 4)),
                    new ScaleOutSpec(ScaleOutTopology.SINGLE_SWITCH, nic, 8, 1, 32));
            int k = i;
            new CollectiveEngine(s, new FairShareSolver(s), c).run(CollectiveOp.ALL_REDUCE, c.devices(), 80e6, algs[i],
                    () -> doneAt[k] = s.now());
            s.run();
        }
        // S = 80e6, k = 8, N = 4. In the nodes the reduce-scatter and all-gather flows (7/8 · S = 70e6 B each) share
        // every NVLink port: 140e6 / 100e9 = 1.4 ms. Tree: 2 · S/k = 20e6 B per NIC → 2 ms; latency 7 + 7 NVLink steps
        // of 1 µs and 2·log2(4) = 4 NIC steps of 5 µs = 34 µs. Hierarchical: 2·3/4 · S/k = 15e6 B → 1.5 ms; 7 + 7 + 2·3·5 µs
        assertEquals(2_000_000_000L + 34 * US, doneAt[0], 2.0);
        assertEquals(1_500_000_000L + 44 * US, doneAt[1], 2.0);
    }

    /** NIC 10e9 B/s, α 5 µs, no curve; its tuner runs the Simple ring from 10e6 B per rank, half the rate below. */
    private static final LinkProfile NIC_PROTOCOLS = new LinkProfile("nic", LinkKind.ETHERNET, 10e9, 1.0, 5 * US, 0, 0, 0,
            new io.xpusim.hardware.RingProtocols(10e6, 0.5), Map.of());

    @Test
    void nicProtocolRegimesPickTheRingAndSlowItBelowTheSimpleRingSize() {
        Cluster c = twoNodesWithNic(NIC_PROTOCOLS);
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        assertEquals(CollectiveAlgorithm.RING, eng.resolve(CollectiveOp.ALL_REDUCE, c.devices(), 1e6, CollectiveAlgorithm.AUTO));
        assertEquals(CollectiveAlgorithm.TREE, new CollectiveEngine(sim, solver, twoNodesWithNic(NIC_CURVE))
                .resolve(CollectiveOp.ALL_REDUCE, c.devices(), 1e6, CollectiveAlgorithm.AUTO), "no regimes known: tree");
        long[] doneAt = {-1, -1};
        // 16 ranks: the Simple ring runs from 160e6 B. At 80e6 B the NIC flows (18.75e6 B each, as above) run at
        // 0.5 · 10e9 → 3.75 ms + 45 µs; at 160e6 B they carry 37.5e6 B at the full 10e9 → 3.75 ms + 45 µs as well
        eng.run(CollectiveOp.ALL_REDUCE, c.devices(), 80e6, CollectiveAlgorithm.AUTO, () -> doneAt[0] = sim.now());
        sim.run();
        Simulation sim2 = new Simulation();
        Cluster c2 = twoNodesWithNic(NIC_PROTOCOLS);
        new CollectiveEngine(sim2, new FairShareSolver(sim2), c2).run(CollectiveOp.ALL_REDUCE, c2.devices(), 160e6,
                CollectiveAlgorithm.AUTO, () -> doneAt[1] = sim2.now());
        sim2.run();
        assertEquals(3_750_000_000L + 45 * US, doneAt[0], 2.0);
        assertEquals(3_750_000_000L + 45 * US, doneAt[1], 2.0);
    }

    @Test
    void groupAcrossNodesHasNoRoute() {
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(node(PLAIN), 2)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        List<Device> cross = List.of(c.devices().get(0), c.devices().get(8));
        assertThrows(RouteNotFoundException.class, () -> eng.allReduce(cross, 1e6, 1, () -> { }));
    }

    @Test
    void repeatedAllReducesOnAFullMeshUseEveryPeerLink() {
        // 8 devices, each with 7 × (70 GB/s / 7) = 70 GB/s of peer links in total
        LinkProfile mesh = new LinkProfile("mesh", LinkKind.HCCS, 70e9, 1.0, US, 0, 0, Map.of());
        NodeProfile p = new NodeProfile("m", "test", gpu(), 8, mesh, ScaleUpTopology.FULL_MESH, 0, null, 0, null, 0, null, 0,
                Map.of());
        Cluster c = Cluster.build(List.of(new Cluster.NodeGroup(p, 1)));
        CollectiveEngine eng = new CollectiveEngine(sim, solver, c);
        long[] doneAt = {-1};
        // three back-to-back all-reduces of 80 MB (as tensor parallelism issues them), auto → mesh:
        // per all-reduce every rank sends 2·S/n = 20 MB to each peer over its own 10 GB/s link: 2 ms + 2 steps of 1 us
        eng.allReduce(c.devices(), 80e6, 3, () -> doneAt[0] = sim.now());
        sim.run();
        assertEquals(3 * (2_000_000_000L + 2 * US), doneAt[0], 3.0);
        // a ring over the mesh would use one of seven links per rank: 3 × (2·7/8·80e6 / 10e9 + 14 us) ≈ 42 ms
    }
}
