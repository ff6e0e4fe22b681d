package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The device graph of a simulated cluster: nodes built from templates, their accelerators, and the
 * link-direction resources that transfers share. Routes between devices are computed once and cached.
 */
public final class Cluster {
    private final List<NodeInstance> nodes;
    private final List<Device> devices;
    private final ScaleOutFabric fabric;
    private final TorusFabric torus;
    private final Map<Long, Route> routeCache = new HashMap<>();

    private Cluster(List<NodeInstance> nodes, List<Device> devices, ScaleOutFabric fabric, TorusFabric torus) {
        this.nodes = nodes;
        this.devices = devices;
        this.fabric = fabric;
        this.torus = torus;
    }

    /** A requested group of identical nodes; {@code nic}, when not null, replaces the scale-out network's NIC on them. */
    public record NodeGroup(NodeProfile profile, int count, LinkProfile nic) {
        public NodeGroup(NodeProfile profile, int count) {
            this(profile, count, null);
        }
    }

    /** Builds the graph for the given node groups, in order, with no network between nodes. */
    public static Cluster build(List<NodeGroup> groups) {
        return build(groups, null);
    }

    /**
     * Builds the graph for the given node groups, in order (device ids are dense from 0), joined by the
     * scale-out network {@code scaleOut} (null: none, so nodes cannot reach each other).
     */
    public static Cluster build(List<NodeGroup> groups, ScaleOutSpec scaleOut) {
        List<NodeInstance> nodes = new ArrayList<>();
        List<Device> devices = new ArrayList<>();
        for (NodeGroup g : groups) {
            for (int c = 0; c < g.count(); c++) {
                nodes.add(buildNode(nodes.size(), g.profile(), g.nic(), devices));
            }
        }
        boolean isTorus = scaleOut != null && scaleOut.topology() == ScaleOutTopology.TORUS;
        ScaleOutFabric fabric = scaleOut == null || isTorus ? null : new ScaleOutFabric(scaleOut, nodes);
        TorusFabric torus = isTorus ? new TorusFabric(scaleOut, nodes) : null;
        return new Cluster(Collections.unmodifiableList(nodes), Collections.unmodifiableList(devices), fabric, torus);
    }

    /** The scale-out network, or null when nodes are not connected. */
    public ScaleOutSpec scaleOut() {
        return torus != null ? torus.spec() : fabric == null ? null : fabric.spec();
    }

    private static NodeInstance buildNode(int index, NodeProfile p, LinkProfile nic, List<Device> allDevices) {
        String prefix = "node" + index;
        List<Device> local = new ArrayList<>();
        String kind = p.device().kind().name().toLowerCase(java.util.Locale.ROOT);
        boolean boards = p.scaleUpTopology() == ScaleUpTopology.SUPERNODE && p.devicesPerSwitch() < p.deviceCount();
        for (int i = 0; i < p.deviceCount(); i++) {
            String localName = boards ? "board" + i / p.devicesPerSwitch() + "/" + kind + i % p.devicesPerSwitch() : kind + i;
            Device d = new Device(allDevices.size(), prefix + "/" + localName, p.device(), index);
            allDevices.add(d);
            local.add(d);
        }
        int n = p.deviceCount();
        Resource[] egress = new Resource[n];
        Resource[] ingress = new Resource[n];
        Resource[] up = new Resource[0];
        Resource[] down = new Resource[0];
        Resource[][] mesh = new Resource[0][0];
        LinkProfile link = p.scaleUpLink();
        switch (p.scaleUpTopology()) {
            case SWITCH, SUPERNODE, PCIE_SWITCH -> {
                for (int i = 0; i < n; i++) {
                    egress[i] = new Resource(local.get(i).name() + "/" + link.name() + "/out", link.achievedBandwidthBytesPerSecond());
                    ingress[i] = new Resource(local.get(i).name() + "/" + link.name() + "/in", link.achievedBandwidthBytesPerSecond());
                }
                if (p.scaleUpTopology() == ScaleUpTopology.PCIE_SWITCH) {
                    int switches = (n + p.devicesPerSwitch() - 1) / p.devicesPerSwitch();
                    up = new Resource[switches];
                    down = new Resource[switches];
                    for (int s = 0; s < switches; s++) {
                        up[s] = new Resource(prefix + "/pcie-switch" + s + "/uplink/out", link.achievedBandwidthBytesPerSecond());
                        down[s] = new Resource(prefix + "/pcie-switch" + s + "/uplink/in", link.achievedBandwidthBytesPerSecond());
                    }
                }
            }
            case FULL_MESH -> {
                // the profile's bandwidth is the device's aggregate over its n-1 peer links
                double perPeer = link.achievedBandwidthBytesPerSecond() / Math.max(1, n - 1);
                mesh = new Resource[n][n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        if (i != j) {
                            mesh[i][j] = new Resource(local.get(i).name() + "->" + local.get(j).name(), perPeer);
                        }
                    }
                }
            }
            case C2C, NONE -> { }
        }
        Resource[] hostUp = new Resource[p.hostLink() == null ? 0 : n];
        Resource[] hostDown = new Resource[hostUp.length];
        for (int i = 0; i < hostUp.length; i++) {
            hostUp[i] = new Resource(local.get(i).name() + "/" + p.hostLink().name() + "/to-host", p.hostLink().achievedBandwidthBytesPerSecond());
            hostDown[i] = new Resource(local.get(i).name() + "/" + p.hostLink().name() + "/from-host", p.hostLink().achievedBandwidthBytesPerSecond());
        }
        Resource hostMemory = p.hostMemory() == null ? null : new Resource(prefix + "/host-memory",
                p.hostMemory().achievedBandwidthBytesPerSecond() * p.hostMemoryCount());
        return new NodeInstance(index, p, Collections.unmodifiableList(local), egress, ingress, up, down, mesh, hostUp,
                hostDown, hostMemory, nic);
    }

    public List<NodeInstance> nodes() {
        return nodes;
    }

    public List<Device> devices() {
        return devices;
    }

    /** Every link-direction resource, for utilisation reports and invariant checks. */
    public List<Resource> linkResources() {
        List<Resource> out = new ArrayList<>();
        for (NodeInstance n : nodes) {
            Collections.addAll(out, n.egress());
            Collections.addAll(out, n.ingress());
            Collections.addAll(out, n.switchUp());
            Collections.addAll(out, n.switchDown());
            Collections.addAll(out, n.hostUp());
            Collections.addAll(out, n.hostDown());
            for (Resource[] row : n.meshLinks()) {
                for (Resource r : row) {
                    if (r != null) {
                        out.add(r);
                    }
                }
            }
        }
        if (fabric != null) {
            fabric.addResources(out);
        }
        if (torus != null) {
            torus.addResources(out);
        }
        out.removeIf(r -> r == null);
        return out;
    }

    /**
     * The resources bytes cross between a device and its host's memory ({@code toHost}: device to host), or null
     * when the node template has no host link or host memory.
     */
    public List<Resource> hostPath(Device d, boolean toHost) {
        NodeInstance node = nodes.get(d.nodeIndex());
        if (node.hostUp().length == 0 || node.hostMemory() == null) {
            return null;
        }
        int i = node.devices().indexOf(d);
        return List.of(toHost ? node.hostUp()[i] : node.hostDown()[i], node.hostMemory());
    }

    /**
     * From a device into its node's switch and back (in-switch reduction), or null when the device does not
     * sit on a switch that reduces.
     */
    public Route switchLoop(Device d) {
        NodeInstance node = nodes.get(d.nodeIndex());
        NodeProfile p = node.profile();
        if (p.scaleUpTopology() != ScaleUpTopology.SWITCH || p.scaleUpLink() == null
                || !p.scaleUpLink().hasInSwitchReduction()) {
            return null;
        }
        int i = node.devices().indexOf(d);
        return new Route(List.of(node.egress()[i], node.ingress()[i]), p.scaleUpLink().latencyPicos(), p.scaleUpLink());
    }

    /** The path for bytes from {@code a} to {@code b}; throws {@link RouteNotFoundException} if none. */
    public Route route(Device a, Device b) {
        long key = ((long) a.id() << 32) | b.id();
        Route r = routeCache.get(key);
        if (r == null) {
            r = computeRoute(a, b);
            routeCache.put(key, r);
        }
        return r;
    }

    /**
     * Between nodes: out through a NIC, across the leaves, in through the receiver's NIC. On a
     * rail-optimized tree a device whose own NIC is on another rail than the receiver's first hands the data
     * over the scale-up fabric to the device on the receiver's rail (NCCL's PXN), so it stays on one rail.
     */
    private Route computeScaleOutRoute(Device a, Device b) {
        if (torus != null) {
            List<Resource> hops = torus.path(a.nodeIndex(), b.nodeIndex());
            return new Route(List.copyOf(hops), hops.size() * torus.spec().nic().latencyPicos(), torus.spec().nic());
        }
        if (fabric == null) {
            throw new RouteNotFoundException("no route from " + a.name() + " to " + b.name()
                    + ": they are on different nodes and this cluster has no scale-out network");
        }
        NodeInstance na = nodes.get(a.nodeIndex());
        NodeInstance nb = nodes.get(b.nodeIndex());
        int i = na.devices().indexOf(a);
        int j = nb.devices().indexOf(b);
        int railIn = fabric.nicOf(nb, j);
        int railOut = fabric.nicOf(na, i);
        int sender = i;
        List<Resource> hops = new ArrayList<>();
        long latency = fabric.spec().nic().latencyPicos();
        boolean pxn = fabric.spec().topology() == ScaleOutTopology.RAIL_OPTIMIZED_FAT_TREE && railOut != railIn
                && railIn < fabric.spec().nicsPerNode() && na.profile().scaleUpTopology() != ScaleUpTopology.NONE
                && na.profile().scaleUpTopology() != ScaleUpTopology.C2C;
        if (pxn) {
            sender = fabric.deviceOfNic(na, railIn);
            railOut = railIn;
            if (sender != i) {
                Route hop = computeRoute(a, na.devices().get(sender));
                hops.addAll(hop.hops());
                latency += hop.latencyPicos();
            }
        }
        hops.addAll(fabric.path(na, sender, railOut, nb, j, railIn));
        return new Route(List.copyOf(hops), latency, fabric.spec().nic());
    }

    private Route computeRoute(Device a, Device b) {
        if (a == b) {
            return new Route(List.of(), 0, null);
        }
        if (a.nodeIndex() != b.nodeIndex()) {
            return computeScaleOutRoute(a, b);
        }
        NodeInstance node = nodes.get(a.nodeIndex());
        NodeProfile p = node.profile();
        int i = node.devices().indexOf(a);
        int j = node.devices().indexOf(b);
        long latency = p.scaleUpLink() == null ? 0 : p.scaleUpLink().latencyPicos();
        return switch (p.scaleUpTopology()) {
            case SWITCH, SUPERNODE -> new Route(List.of(node.egress()[i], node.ingress()[j]), latency, p.scaleUpLink());
            case PCIE_SWITCH -> {
                int si = i / p.devicesPerSwitch();
                int sj = j / p.devicesPerSwitch();
                yield si == sj ? new Route(List.of(node.egress()[i], node.ingress()[j]), latency, p.scaleUpLink())
                        : new Route(List.of(node.egress()[i], node.switchUp()[si], node.switchDown()[sj], node.ingress()[j]),
                        2 * latency, p.scaleUpLink());
            }
            case FULL_MESH -> new Route(List.of(node.meshLinks()[i][j]), latency, p.scaleUpLink());
            case C2C, NONE -> throw new RouteNotFoundException("no route from " + a.name() + " to " + b.name()
                    + ": node template '" + p.name() + "' has no device-to-device fabric");
        };
    }
}
