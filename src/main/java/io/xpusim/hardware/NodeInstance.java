package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.List;
import java.util.Map;

/**
 * One built node: its accelerators and the port resources of its scale-up fabric. For a switch the ports
 * are each device's egress and ingress; for PCIe switches the device ports plus each switch's uplink in
 * both directions; for a full mesh one resource per ordered device pair. The host side: each device's link to
 * the host in both directions ({@code hostUp}: device to host), the CPU socket each device hangs off
 * ({@code deviceSocket}), each socket's DRAM ({@code sockets}, empty when the template has no host memory), the
 * socket-to-socket link directions ({@code socketLinks[a][b]}: from socket a to b; an empty array when the template
 * models none) and the further memory tiers by name, in the template's order ({@code tiers}). {@code nic}: this
 * node's NIC when its group overrides the scale-out network's, else null.
 */
public record NodeInstance(int index, NodeProfile profile, List<Device> devices, Resource[] egress, Resource[] ingress,
                           Resource[] switchUp, Resource[] switchDown, Resource[][] meshLinks, Resource[] hostUp,
                           Resource[] hostDown, int[] deviceSocket, List<MemoryUnit> sockets, Resource[][] socketLinks,
                           Map<String, List<MemoryUnit>> tiers, LinkProfile nic) {

    /** Units of the tier named {@code tier} ({@link TierSpec#HOST}: the sockets), or an empty list. */
    public List<MemoryUnit> units(String tier) {
        if (tier.equals(TierSpec.HOST)) {
            return sockets;
        }
        return tiers.getOrDefault(tier, List.of());
    }
}
