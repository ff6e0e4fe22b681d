package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.List;

/**
 * One built node: its accelerators and the port resources of its scale-up fabric. For a switch the ports
 * are each device's egress and ingress; for PCIe switches the device ports plus each switch's uplink in
 * both directions; for a full mesh one resource per ordered device pair. The host side: each device's link to
 * the host in both directions ({@code hostUp}: device to host) and the host memory's bandwidth, shared by the
 * node (null when the template has no host memory). {@code nic}: this node's NIC when its group overrides the
 * scale-out network's, else null.
 */
public record NodeInstance(int index, NodeProfile profile, List<Device> devices, Resource[] egress, Resource[] ingress,
                           Resource[] switchUp, Resource[] switchDown, Resource[][] meshLinks, Resource[] hostUp,
                           Resource[] hostDown, Resource hostMemory, LinkProfile nic) {
}
