package io.xpusim.hardware;

import java.util.List;
import java.util.Map;

/**
 * A server template: its accelerators and how they are wired to each other (scale-up) and to the host, its CPU
 * sockets and host memory (one {@code hostMemory} instance per socket when {@code hostMemoryCount} equals the CPU
 * count), the link between sockets ({@code socketLink}, null when it is not modelled: then a socket's memory is as
 * near to every device as its own), and further memory tiers (CXL expanders, NVMe, computational storage).
 * {@code devicesPerSwitch} is the devices under one PCIe switch, or on one board of a supernode (there it only
 * names devices).
 */
public record NodeProfile(String name, String description, DeviceProfile device, int deviceCount,
                          LinkProfile scaleUpLink, ScaleUpTopology scaleUpTopology, int devicesPerSwitch,
                          DeviceProfile cpu, int cpuCount, MemoryProfile hostMemory, int hostMemoryCount,
                          LinkProfile hostLink, double pricePerHourUsd, Map<String, String> sources,
                          LinkProfile socketLink, List<TierSpec> tiers) {

    public NodeProfile {
        tiers = List.copyOf(tiers);
    }

    /** A template without a modelled socket link or memory tiers beyond host memory. */
    public NodeProfile(String name, String description, DeviceProfile device, int deviceCount,
                       LinkProfile scaleUpLink, ScaleUpTopology scaleUpTopology, int devicesPerSwitch,
                       DeviceProfile cpu, int cpuCount, MemoryProfile hostMemory, int hostMemoryCount,
                       LinkProfile hostLink, double pricePerHourUsd, Map<String, String> sources) {
        this(name, description, device, deviceCount, scaleUpLink, scaleUpTopology, devicesPerSwitch, cpu, cpuCount,
                hostMemory, hostMemoryCount, hostLink, pricePerHourUsd, sources, null, List.of());
    }

    /** This template with {@code tiers} (a node group's own tiers replacing or adding to the template's). */
    public NodeProfile withTiers(List<TierSpec> tiers) {
        return new NodeProfile(name, description, device, deviceCount, scaleUpLink, scaleUpTopology, devicesPerSwitch,
                cpu, cpuCount, hostMemory, hostMemoryCount, hostLink, pricePerHourUsd, sources, socketLink, tiers);
    }

    /** The tier named {@code tierName}, or null. */
    public TierSpec tier(String tierName) {
        for (TierSpec t : tiers) {
            if (t.name().equals(tierName)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The tier of computational storage drives (the first tier whose units have a compute engine), where
     * {@code attention: csd} keeps the KV cache and runs decode attention; null when the node has none.
     */
    public TierSpec computationalStorage() {
        for (TierSpec t : tiers) {
            if (t.engine() != null) {
                return t;
            }
        }
        return null;
    }

    /** Host memory sockets: one per host-memory instance. */
    public int sockets() {
        return hostMemory == null ? 0 : hostMemoryCount;
    }
}
