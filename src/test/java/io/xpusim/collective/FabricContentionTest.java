package io.xpusim.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.hardware.ScaleOutTopology;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.YamlNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Contention through the fabric, with expectations worked out from the profiles' bandwidths. */
class FabricContentionTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));
    private static final double GIB = 1024.0 * 1024 * 1024;

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private static Cluster cluster(String node, int count, ScaleOutSpec scaleOut) {
        return Cluster.build(List.of(new Cluster.NodeGroup(LIB.node(ref(node), "n").value(), count)), scaleOut);
    }

    private static ScaleOutSpec fabric(ScaleOutTopology topology, int nics, double oversubscription, int nodesPerLeaf) {
        return new ScaleOutSpec(topology, LIB.link(ref("ib-ndr400"), "nic").value(), nics, oversubscription, nodesPerLeaf);
    }

    /** Runs collectives started together; returns each one's finish time in seconds. */
    private static double[] runTogether(Cluster c, List<List<Device>> groups, CollectiveOp op, double bytes,
                                        CollectiveAlgorithm alg) {
        Simulation sim = new Simulation();
        CollectiveEngine engine = new CollectiveEngine(sim, new FairShareSolver(sim), c);
        double[] done = new double[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            int i = g;
            engine.run(op, groups.get(g), bytes, alg, () -> done[i] = sim.now() / 1e12);
        }
        sim.run();
        assertEquals(engine.bytesSent(), engine.bytesDelivered(), 1e-6 * engine.bytesSent(), "bytes conserved");
        return done;
    }

    @Test
    void twoAllReducesSharingOneNicEachGetAboutHalf() {
        // two nodes with one NIC each: GPU 0 of both nodes, and GPU 1 of both nodes, each all-reduce across the NIC
        Cluster c = cluster("dgx-h100", 2, fabric(ScaleOutTopology.SINGLE_SWITCH, 1, 1, 32));
        double alone = runTogether(c, List.of(List.of(c.devices().get(0), c.devices().get(8))), CollectiveOp.ALL_REDUCE, GIB,
                CollectiveAlgorithm.RING)[0];
        Cluster d = cluster("dgx-h100", 2, fabric(ScaleOutTopology.SINGLE_SWITCH, 1, 1, 32));
        double[] shared = runTogether(d, List.of(List.of(d.devices().get(0), d.devices().get(8)),
                List.of(d.devices().get(1), d.devices().get(9))), CollectiveOp.ALL_REDUCE, GIB, CollectiveAlgorithm.RING);
        // alone: each direction of the NIC carries one flow of 2·1/2·1 GiB at 50 GB/s × 0.9 = 45 GB/s
        assertEquals(GIB / 45e9, alone, 0.01 * alone);
        assertEquals(2 * alone, shared[0], 0.02 * alone, "half the NIC each");
        assertEquals(2 * alone, shared[1], 0.02 * alone, "half the NIC each");
    }

    @Test
    void oversubscribedSpineSlowsAllToAllByItsFactor() {
        // four nodes, one per leaf, so every byte of an all-to-all between nodes crosses the spine
        double bytes = GIB;
        double oneToOne = time(fabric(ScaleOutTopology.FAT_TREE, 8, 1, 1), bytes);
        double fourToOne = time(fabric(ScaleOutTopology.FAT_TREE, 8, 4, 1), bytes);
        // 1:1: the NICs bind (8 × 45 GB/s per node); 4:1: each leaf's uplink has a quarter of that
        assertEquals(4.0, fourToOne / oneToOne, 0.2);
    }

    private static double time(ScaleOutSpec spec, double bytes) {
        Cluster c = cluster("dgx-h100", 4, spec);
        return runTogether(c, List.of(c.devices()), CollectiveOp.ALL_TO_ALL, bytes, CollectiveAlgorithm.AUTO)[0];
    }

    @Test
    void pcieAttachedGpusAreFarSlowerThanNvSwitch() {
        Cluster pcie = cluster("h100-pcie-server", 1, null);
        Cluster nvswitch = cluster("dgx-h100", 1, null);
        double tPcie = runTogether(pcie, List.of(pcie.devices()), CollectiveOp.ALL_REDUCE, GIB, CollectiveAlgorithm.RING)[0];
        double tNvl = runTogether(nvswitch, List.of(nvswitch.devices()), CollectiveOp.ALL_REDUCE, GIB, CollectiveAlgorithm.RING)[0];
        // a ring's slowest hop binds: PCIe Gen5 x16 at 63 GB/s × 0.873 (profile) vs NVLink4 at 450 × 0.88 with its
        // size curve at 1 GiB (0.99): the ratio of those bandwidths
        double pcieRate = 63e9 * LIB.link(ref("pcie-gen5-x16"), "l").value().efficiency();
        double nvlRate = 450e9 * 0.88 * LIB.link(ref("nvlink4"), "l").value().collectiveEfficiency(GIB);
        assertEquals(nvlRate / pcieRate, tPcie / tNvl, 0.05 * nvlRate / pcieRate);
    }

    @Test
    void fullMeshAllReduceUsesEveryPeerLink() {
        // MI300X: 448 GB/s × 0.71 per device over 7 peer links; the mesh algorithm keeps all 7 busy, so busbw is the
        // aggregate 318 GB/s (× the curve's efficiency at 8 GiB), where a ring would get one link's 45 GB/s
        Cluster c = cluster("mi300x-8", 1, null);
        double bytes = 8 * GIB;
        double t = runTogether(c, List.of(c.devices()), CollectiveOp.ALL_REDUCE, bytes, CollectiveAlgorithm.AUTO)[0];
        var link = LIB.link(ref("infinity-fabric-mi300x"), "l").value();
        double busbw = bytes / t * 2 * 7 / 8;
        assertEquals(448e9 * 0.71 * link.collectiveEfficiency(bytes), busbw, 0.01 * busbw);
    }

    @Test
    void transferTakesBytesOverTheRouteBandwidth() {
        Cluster c = cluster("dgx-h100", 1, null);
        Simulation sim = new Simulation();
        CollectiveEngine engine = new CollectiveEngine(sim, new FairShareSolver(sim), c);
        double[] done = {-1};
        engine.transfer(GIB, c.devices().get(0), c.devices().get(1), () -> done[0] = sim.now() / 1e12);
        sim.run();
        // one NVLink4 hop at 450 GB/s × 0.88, plus one step of latency (2.4 µs): no collective curve for a copy
        assertEquals(GIB / (450e9 * 0.88) + 2.4e-6, done[0], 1e-9);
    }

    @Test
    void ringChannelsSpreadOverEveryNic() {
        // two DGX H100 nodes with 1, 2 or 4 NICs each: a cross-node ring's bandwidth grows with the NICs it can use
        double[] t = new double[3];
        int[] nics = {1, 2, 4};
        for (int i = 0; i < 3; i++) {
            Cluster c = cluster("dgx-h100", 2, fabric(ScaleOutTopology.RAIL_OPTIMIZED_FAT_TREE, nics[i], 1, 32));
            t[i] = runTogether(c, List.of(c.devices()), CollectiveOp.ALL_REDUCE, 4 * GIB, CollectiveAlgorithm.RING)[0];
        }
        assertEquals(2.0, t[0] / t[1], 0.1, "2 NICs: twice 1");
        assertEquals(4.0, t[0] / t[2], 0.2, "4 NICs: four times 1");
    }

    @Test
    void ecmpHashingCollidesWhereIdealBalancingDoesNot() {
        // two nodes on different leaves, all-to-all between all 16 GPUs: every cross-node byte crosses the spine
        double ideal = allToAllTime(0);
        double oneLane = allToAllTime(1);
        double eight = allToAllTime(8);
        // one spine link of the whole uplink's capacity is the ideal aggregate
        assertEquals(ideal, oneLane, 1e-9 * ideal);
        // eight links of an eighth each: 64 cross-node flows per direction hashed into 8 links load the busiest with
        // about 8 + 3·sqrt(8) ≈ 14 (balls into bins), so the all-to-all takes roughly 14/8 ≈ 1.75× as long
        double ratio = eight / ideal;
        org.junit.jupiter.api.Assertions.assertTrue(ratio > 1.3 && ratio < 2.5, "ECMP collisions cost: " + ratio);
    }

    private static double allToAllTime(int spines) {
        ScaleOutSpec spec = new ScaleOutSpec(ScaleOutTopology.FAT_TREE, LIB.link(ref("ib-ndr400"), "nic").value(), 8, 1, 1,
                spines);
        Cluster c = cluster("dgx-h100", 2, spec);
        return runTogether(c, List.of(c.devices()), CollectiveOp.ALL_TO_ALL, GIB, CollectiveAlgorithm.AUTO)[0];
    }
}
