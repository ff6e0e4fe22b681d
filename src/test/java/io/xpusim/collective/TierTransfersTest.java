package io.xpusim.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.MemoryTierTest;
import io.xpusim.hardware.TierSpec;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.FairShareSolver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Transfers to and between memory tiers: interleaved over a socket's units, bound by the narrowest shared hop. */
class TierTransfersTest {
    static final List<TierSpec> FOUR_CARDS = List.of(new TierSpec("cxl", MemoryTierTest.CXL, 4, MemoryTierTest.CXL_X8, null),
            new TierSpec("nvme", MemoryTierTest.SSD, 2, MemoryTierTest.PCIE_X4, null));

    private final Cluster cluster = MemoryTierTest.node(FOUR_CARDS);
    private final Simulation sim = new Simulation();
    private final TierTransfers transfers = new TierTransfers(sim, new FairShareSolver(sim), cluster);

    @Test
    void oneGpuToTheTwoCardsOfItsSocketIsBoundByTheirLinks() {
        double[] end = new double[1];
        transfers.device(cluster.devices().get(0), "cxl", 10e9, true, () -> end[0] = sim.now() / 1e12);
        sim.run();
        // 5 GB to each of the 2 cards on socket 0: each card's x8 link carries 31.5 × 0.85 = 26.775 GB/s, below the
        // GPU's 63 × 0.87 = 54.81 GB/s PCIe port; latency 2 us + 100 ns + 275 ns
        double expected = 2.375e-6 + 5e9 / (31.5e9 * 0.85);
        assertEquals(expected, end[0], 1e-9);
        assertEquals(10e9, transfers.bytesDone(), 1e-3);
    }

    @Test
    void twoGpusOfOneSocketShareItsCards() {
        double[] end = new double[2];
        transfers.device(cluster.devices().get(0), "cxl", 10e9, false, () -> end[0] = sim.now() / 1e12);
        transfers.device(cluster.devices().get(1), "cxl", 10e9, false, () -> end[1] = sim.now() / 1e12);
        sim.run();
        double expected = 2.375e-6 + 10e9 / (31.5e9 * 0.85);
        assertEquals(expected, end[0], 1e-9);
        assertEquals(expected, end[1], 1e-9);
    }

    @Test
    void demotingFromDramToAnSsdIsBoundByTheDrivesWriteRate() {
        double[] end = new double[1];
        // GPU 0's data on socket 0's DRAM goes to drive 0 (socket 0) at its 6.6 GB/s write limit
        transfers.between(cluster.devices().get(0), TierSpec.HOST, "nvme", 6.6e9, () -> end[0] = sim.now() / 1e12);
        sim.run();
        assertEquals(110e-9 + 2e-6 + 70e-6 + 1.0, end[0], 1e-9);
    }

    @Test
    void aMissingTierIsAnError() {
        assertThrows(IllegalArgumentException.class,
                () -> transfers.device(cluster.devices().get(0), "csd", 1e9, true, () -> { }));
    }
}
