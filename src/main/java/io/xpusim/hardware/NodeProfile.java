package io.xpusim.hardware;

import java.util.Map;

/**
 * A server template: its accelerators and how they are wired to each other (scale-up) and to the host,
 * its CPU sockets and host memory. {@code devicesPerSwitch} is the devices under one PCIe switch, or on one board
 * of a supernode (there it only names devices).
 */
public record NodeProfile(String name, String description, DeviceProfile device, int deviceCount,
                          LinkProfile scaleUpLink, ScaleUpTopology scaleUpTopology, int devicesPerSwitch,
                          DeviceProfile cpu, int cpuCount, MemoryProfile hostMemory, int hostMemoryCount,
                          LinkProfile hostLink, double pricePerHourUsd, Map<String, String> sources) {
}
