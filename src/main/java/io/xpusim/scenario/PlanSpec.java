package io.xpusim.scenario;

import io.xpusim.hardware.NodeProfile;
import java.nio.file.Path;
import java.util.List;

/**
 * A checked plan file: the base serving scenario (workload, model, SLO), the load to sustain, the hardware and
 * strategies to search, and how to rank what meets it.
 *
 * @param targetLoadPerSecond the arrival rate a configuration must sustain within the base's SLO
 * @param costObjective       rank by hourly cost (true) or by device count (false), the other breaking ties
 * @param tps                 tensor-parallel degrees to try (those not dividing a node or the heads are pruned)
 * @param splits              prefill:decode replica splits to try as disaggregated units (empty: none)
 * @param mixes               whether to try two hardware types together (Mélange-style)
 * @param verify              how many of the best estimated configurations to simulate in full
 * @param tolerance           goodput search tolerance (relative)
 */
public record PlanSpec(String name, Path file, Path base, double targetLoadPerSecond, String targetLoadText,
                       boolean costObjective, List<Hardware> hardware, List<Integer> tps, List<String> schedulers,
                       List<int[]> splits, boolean mixes, int maxDevices, int top, int verify, double tolerance) {
    /** A node template to consider, at most {@code maxNodes} of it; {@code profile} carries devices and price. */
    public record Hardware(String node, NodeProfile profile, int maxNodes) {
        /** Price of one device: the node's hourly price shared by its devices (renting devices, not whole nodes). */
        public double pricePerDeviceHour() {
            return profile.pricePerHourUsd() / profile.deviceCount();
        }
    }
}
