package io.xpusim.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Memory tiers in the device graph: each socket's DRAM reachable from the devices on that socket, a socket link on
 * the way to the other socket, CXL cards and drives interleaved per socket behind their own attachment links, and an
 * SSD's reads and writes limited separately.
 */
public class MemoryTierTest {
    static final long NS = 1_000L;
    static final long US = 1_000_000L;

    public static final MemoryProfile DDR = new MemoryProfile("ddr", MemoryKind.DDR, 1e12, 300e9, 0.6, 110 * NS, Map.of());
    public static final MemoryProfile CXL = new MemoryProfile("cxl-card", MemoryKind.CXL, 256e9, 36e9, 1.0, 275 * NS, Map.of());
    /** 13 GB/s read, 6.6 GB/s write. */
    public static final MemoryProfile SSD = new MemoryProfile("ssd", MemoryKind.SSD, 15.36e12, 13e9, 1.0, 70 * US, 6.6e9, 0,
            Map.of());
    public static final LinkProfile PCIE_X16 = new LinkProfile("pcie5x16", LinkKind.PCIE, 63e9, 0.87, 2 * US, 0, 0, Map.of());
    public static final LinkProfile CXL_X8 = new LinkProfile("cxl-x8", LinkKind.CXL, 31.5e9, 0.85, 100 * NS, 0, 0, Map.of());
    public static final LinkProfile PCIE_X4 = new LinkProfile("pcie5x4", LinkKind.PCIE, 15.75e9, 0.93, 2 * US, 0, 0, Map.of());
    public static final LinkProfile UPI = new LinkProfile("upi", LinkKind.UPI, 128e9, 0.75, 70 * NS, 0, 0, Map.of());

    /** A DGX-H100-like node: 8 GPUs on a switch, 2 sockets joined by UPI, the given extra tiers. */
    public static Cluster node(List<TierSpec> tiers) {
        NodeProfile p = new NodeProfile("tiered", "test", ClusterTest.gpu(), 8, ClusterTest.link(), ScaleUpTopology.SWITCH,
                8, null, 2, DDR, 2, PCIE_X16, 0, Map.of(), UPI, tiers);
        return Cluster.build(List.of(new Cluster.NodeGroup(p, 1)));
    }

    @Test
    void eachSocketsDramIsReachedFromItsOwnDevicesOverTheirHostLink() {
        Cluster c = node(List.of());
        NodeInstance n = c.nodes().get(0);
        assertEquals(2, n.sockets().size());
        assertEquals(List.of(0, 0, 0, 0, 1, 1, 1, 1), java.util.Arrays.stream(n.deviceSocket()).boxed().toList());
        Device d5 = c.devices().get(5);
        assertEquals(List.of(n.hostUp()[5], n.sockets().get(1).read()), c.hostPath(d5, true));
        assertEquals(List.of(n.sockets().get(1).read(), n.hostDown()[5]), c.hostPath(d5, false));
        assertEquals(List.of(n.sockets().get(1)), c.unitsFor(d5, TierSpec.HOST));
        // one socket's STREAM bandwidth, not the node's
        assertEquals(300e9 * 0.6, n.sockets().get(1).read().capacityPerSecond(), 1);
        // DRAM shares its bandwidth between reads and writes
        assertSame(n.sockets().get(1).read(), n.sockets().get(1).write());
    }

    @Test
    void cxlCardsInterleavePerSocketAndALonelyCardIsReachedOverTheSocketLink() {
        Cluster four = node(List.of(new TierSpec("cxl", CXL, 4, CXL_X8, null)));
        List<MemoryUnit> cards = four.nodes().get(0).units("cxl");
        assertEquals(List.of(0, 0, 1, 1), cards.stream().map(MemoryUnit::socket).toList());
        assertEquals(cards.subList(0, 2), four.unitsFor(four.devices().get(3), "cxl"));
        assertEquals(cards.subList(2, 4), four.unitsFor(four.devices().get(4), "cxl"));

        Cluster one = node(List.of(new TierSpec("cxl", CXL, 1, CXL_X8, null)));
        NodeInstance n = one.nodes().get(0);
        MemoryUnit card = n.units("cxl").get(0);
        Device d6 = one.devices().get(6); // socket 1; the only card hangs off socket 0
        assertEquals(List.of(card), one.unitsFor(d6, "cxl"));
        Route out = one.tierPath(d6, card, true);
        assertEquals(List.of(n.hostUp()[6], n.socketLinks()[1][0], card.fromHost(), card.write()), out.hops());
        // latency: host link 2 us + UPI 70 ns + CXL link 100 ns + the card's 275 ns
        assertEquals(2 * US + 70 * NS + 100 * NS + 275 * NS, out.latencyPicos());
        Route back = one.tierPath(d6, card, false);
        assertEquals(List.of(card.read(), card.toHost(), n.socketLinks()[0][1], n.hostDown()[6]), back.hops());
        Route near = one.tierPath(one.devices().get(1), card, true);
        assertEquals(List.of(n.hostUp()[1], card.fromHost(), card.write()), near.hops(), "same socket: no UPI hop");
        assertTrue(one.linkResources().containsAll(List.of(card.fromHost(), card.toHost(), n.socketLinks()[0][1])));
        assertEquals("cxl", one.linkClass(card.toHost()));
        assertEquals("upi", one.linkClass(n.socketLinks()[1][0]));
        assertEquals("pcie", one.linkClass(n.hostUp()[0]));
        assertEquals("nvlink", one.linkClass(n.egress()[0]));
    }

    @Test
    void ssdWritesHaveTheirOwnCapWithinTheFlashReadBudgetBehindAnX4Link() {
        List<TierSpec> nvme = List.of(new TierSpec("nvme", SSD, 2, PCIE_X4, null));
        Cluster c = node(nvme);
        MemoryUnit drive = c.nodes().get(0).units("nvme").get(0);
        assertNotSame(drive.read(), drive.write());
        assertEquals(13e9, drive.read().capacityPerSecond(), 1);
        assertEquals(6.6e9, drive.write().capacityPerSecond(), 1);
        assertTrue(c.memoryResources().containsAll(List.of(drive.read(), drive.write())));
        // 10 GB written: the drive's 6.6 GB/s write limit binds (the x4 link carries 15.75 × 0.93 = 14.65 GB/s)
        assertEquals(10e9 / 6.6e9, seconds(node(nvme), 0, "nvme", true, 10e9), 1e-9);
        // 10 GB read: the media's 13 GB/s binds, just below the link's 14.65
        assertEquals(10e9 / 13e9, seconds(node(nvme), 0, "nvme", false, 10e9), 1e-9);
        // a read and a write at once share the flash's 13 GB/s (opposite link directions): 6.5 GB/s each, the write
        // under its 6.6 GB/s cap — reads and writes of one drive never add up to more than its read rate
        Cluster fresh = node(nvme);
        MemoryUnit d = fresh.nodes().get(0).units("nvme").get(0);
        double[] both = concurrent(fresh.tierPath(fresh.devices().get(0), d, true),
                fresh.tierPath(fresh.devices().get(0), d, false), 10e9);
        assertEquals(10e9 / 6.5e9, both[0], 1e-9);
        assertEquals(10e9 / 6.5e9, both[1], 1e-9);
    }

    @Test
    void cxlCardSharesItsMediaBetweenReadsAndWritesAndOneDirectionIsLinkBound() {
        List<TierSpec> cxl = List.of(new TierSpec("cxl", CXL, 2, CXL_X8, null));
        double link = 31.5e9 * 0.85;
        assertEquals(10e9 / link, seconds(node(cxl), 0, "cxl", false, 10e9), 1e-9, "one direction: the x8 link binds");
        Cluster c = node(cxl);
        MemoryUnit card = c.nodes().get(0).units("cxl").get(0);
        Device d0 = c.devices().get(0);
        // 20 GB read by one GPU and 10 GB written by another at once: the card's 36 GB/s media is shared max-min fair
        Route read = c.tierPath(d0, card, false);
        Route write = c.tierPath(c.devices().get(1), card, true);
        double[] t = concurrent(read, write, 10e9);
        assertEquals(10e9 / 18e9, t[0], 1e-9, "each gets half of 36 GB/s while both run");
        assertEquals(t[0], t[1], 1e-12);
    }

    @Test
    void unitToUnitPathsCrossMediaLinksAndSockets() {
        Cluster c = node(List.of(new TierSpec("cxl", CXL, 1, CXL_X8, null), new TierSpec("nvme", SSD, 2, PCIE_X4, null)));
        NodeInstance n = c.nodes().get(0);
        MemoryUnit dram1 = n.sockets().get(1);
        MemoryUnit card = n.units("cxl").get(0);
        Route demote = c.unitPath(dram1, card);
        assertEquals(List.of(dram1.read(), n.socketLinks()[1][0], card.fromHost(), card.write()), demote.hops());
        MemoryUnit drive1 = n.units("nvme").get(1);
        Route fromSsd = c.unitPath(drive1, dram1);
        assertEquals(List.of(drive1.read(), drive1.toHost(), dram1.write()), fromSsd.hops());
        assertEquals(70 * US + 2 * US + 110 * NS, fromSsd.latencyPicos());
        assertFalse(c.linkResources().contains(dram1.read()), "media are memory resources, not links");
    }

    /**
     * Seconds a lone transfer of {@code bytes} between device {@code device} and the first unit of {@code tier} takes
     * (latency aside), on a cluster not used before (resources belong to one simulation).
     */
    private static double seconds(Cluster c, int device, String tier, boolean toUnit, double bytes) {
        Device d = c.devices().get(device);
        Route r = c.tierPath(d, c.unitsFor(d, tier).get(0), toUnit);
        Simulation sim = new Simulation();
        FairShareSolver solver = new FairShareSolver(sim);
        double[] end = new double[1];
        solver.start(new Activity("t", bytes, r.hopsArray(), Double.POSITIVE_INFINITY, a -> end[0] = sim.now() / 1e12));
        sim.run();
        return end[0];
    }

    /** Finish times of two transfers started together, {@code bytes} each. */
    private static double[] concurrent(Route a, Route b, double bytes) {
        Simulation sim = new Simulation();
        FairShareSolver solver = new FairShareSolver(sim);
        double[] end = new double[2];
        solver.start(new Activity("a", bytes, a.hopsArray(), Double.POSITIVE_INFINITY, x -> end[0] = sim.now() / 1e12));
        solver.start(new Activity("b", bytes, b.hopsArray(), Double.POSITIVE_INFINITY, x -> end[1] = sim.now() / 1e12));
        sim.run();
        return end;
    }

    @Test
    void resourcesHaveDistinctNames() {
        Cluster c = node(List.of(new TierSpec("cxl", CXL, 4, CXL_X8, null), new TierSpec("nvme", SSD, 2, PCIE_X4, null)));
        List<Resource> all = new java.util.ArrayList<>(c.linkResources());
        all.addAll(c.memoryResources());
        assertEquals(all.size(), all.stream().map(Resource::name).distinct().count());
    }
}
