package io.xpusim.hardware;

import java.util.Locale;

/**
 * A memory tier a node has beyond its accelerators' memory and its host DRAM: {@code count} identical units (CXL
 * Type-3 expanders, NVMe SSDs, computational storage drives) of one memory profile, each attached to the host by its
 * own {@code link} (PCIe Gen5 x8 for a CXL card, PCIe x4 for a drive), spread evenly over the CPU sockets. Data placed
 * in the tier is interleaved over the units of the socket nearest the device that places it. {@code engine}, for a
 * computational storage drive, is its compute engine (else null).
 */
public record TierSpec(String name, MemoryProfile memory, int count, LinkProfile link, DeviceProfile engine) {
    /** The name of the host-DRAM tier (DDR per socket, or Grace's LPDDR5X). */
    public static final String HOST = "cpu";
    /** The name of the accelerators' own memory. */
    public static final String DEVICE = "hbm";

    public TierSpec {
        if (count < 1) {
            throw new IllegalArgumentException("tier " + name + " needs at least one unit");
        }
    }

    /** A tier's name when the user gives none: cxl, nvme, or csd for a drive with an engine. */
    public static String defaultName(MemoryKind kind, boolean hasEngine) {
        if (hasEngine) {
            return "csd";
        }
        return kind == MemoryKind.SSD ? "nvme" : kind.name().toLowerCase(Locale.ROOT);
    }

    /** Capacity of all the tier's units on one node. */
    public double capacityBytes() {
        return memory.capacityBytes() * count;
    }
}
