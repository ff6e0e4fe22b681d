package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * The host CPU sockets of a cluster as resources of cores: each socket's capacity is its core count (core-seconds of
 * work per second), so host threads that run on at most one core each share a socket only when there are more of them
 * than cores. Device i of a node with n devices and s sockets has its host thread on socket ⌊i·s/n⌋ (the socket its
 * PCIe root port hangs off, as NUMA-aware launchers pin it).
 */
public final class HostCpus {
    private final Cluster cluster;
    private final Resource[][] sockets;

    public HostCpus(Cluster cluster) {
        this.cluster = cluster;
        List<NodeInstance> nodes = cluster.nodes();
        sockets = new Resource[nodes.size()][];
        for (NodeInstance n : nodes) {
            NodeProfile p = n.profile();
            int count = p.cpu() == null ? 0 : Math.max(1, p.cpuCount());
            sockets[n.index()] = new Resource[count];
            for (int s = 0; s < count; s++) {
                sockets[n.index()][s] = new Resource("node" + n.index() + "/cpu" + s + "/cores", p.cpu().cores());
            }
        }
    }

    /** The socket that runs device {@code d}'s host thread, or null when its node has no CPU. */
    public Resource socketOf(Device d) {
        Resource[] s = sockets[d.nodeIndex()];
        if (s.length == 0) {
            return null;
        }
        NodeInstance node = cluster.nodes().get(d.nodeIndex());
        int i = node.devices().indexOf(d);
        return s[(int) ((long) i * s.length / node.devices().size())];
    }

    /** Whether socket {@code s} has a core for the host thread of every device whose thread runs on it. */
    public boolean coreForEveryDevice(Resource s) {
        int threads = 0;
        for (NodeInstance n : cluster.nodes()) {
            for (Device d : n.devices()) {
                if (socketOf(d) == s) {
                    threads++;
                }
            }
        }
        return threads <= s.capacityPerSecond();
    }

    /** The CPU profile of device {@code d}'s host, or null. */
    public DeviceProfile profileOf(Device d) {
        return cluster.nodes().get(d.nodeIndex()).profile().cpu();
    }

    /** Every socket of the nodes holding {@code devices}, each once, in node order. */
    public List<Resource> socketsOf(List<Device> devices) {
        List<Resource> out = new ArrayList<>();
        for (Device d : devices) {
            Resource r = socketOf(d);
            if (r != null && !out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** Every socket of the cluster. */
    public List<Resource> all() {
        List<Resource> out = new ArrayList<>();
        for (Resource[] node : sockets) {
            out.addAll(List.of(node));
        }
        return out;
    }
}
