package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
        int sockets = Math.max(1, p.sockets());
        int[] deviceSocket = new int[n];
        for (int i = 0; i < n; i++) {
            deviceSocket[i] = i * sockets / n; // devices are spread evenly over the sockets, in order
        }
        List<MemoryUnit> socketMemory = new ArrayList<>();
        for (int s = 0; s < p.sockets(); s++) {
            socketMemory.add(new MemoryUnit(prefix + "/" + TierSpec.HOST + s, TierSpec.HOST, p.hostMemory(), index, s, null, null));
        }
        Resource[][] socketLinks = NO_SOCKET_LINKS;
        if (p.socketLink() != null) {
            socketLinks = new Resource[sockets][sockets];
            for (int a = 0; a < sockets; a++) {
                for (int b = 0; b < sockets; b++) {
                    if (a != b) {
                        socketLinks[a][b] = new Resource(prefix + "/socket" + a + "->socket" + b + "/" + p.socketLink().name(),
                                p.socketLink().achievedBandwidthBytesPerSecond());
                    }
                }
            }
        }
        Map<String, List<MemoryUnit>> tiers = p.tiers().isEmpty() ? Map.of() : new LinkedHashMap<>();
        for (TierSpec t : p.tiers()) {
            List<MemoryUnit> units = new ArrayList<>();
            for (int u = 0; u < t.count(); u++) {
                units.add(new MemoryUnit(prefix + "/" + t.name() + u, t.name(), t.memory(), index, u * sockets / t.count(),
                        t.link(), t.engine()));
            }
            tiers.put(t.name(), Collections.unmodifiableList(units));
        }
        return new NodeInstance(index, p, Collections.unmodifiableList(local), egress, ingress, up, down, mesh, hostUp,
                hostDown, deviceSocket, Collections.unmodifiableList(socketMemory), socketLinks,
                tiers.isEmpty() ? tiers : Collections.unmodifiableMap(tiers), nic);
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
            for (Resource[] row : n.socketLinks()) {
                for (Resource r : row) {
                    if (r != null) {
                        out.add(r);
                    }
                }
            }
            for (List<MemoryUnit> units : n.tiers().values()) {
                for (MemoryUnit u : units) {
                    out.add(u.toHost());
                    out.add(u.fromHost());
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
     * The resources bytes cross between a device and the DRAM of the CPU socket it hangs off ({@code toHost}: device
     * to host), or null when the node template has no host link or host memory.
     */
    public List<Resource> hostPath(Device d, boolean toHost) {
        NodeInstance node = nodes.get(d.nodeIndex());
        if (node.hostUp().length == 0 || node.sockets().isEmpty()) {
            return null;
        }
        MemoryUnit socket = node.sockets().get(node.deviceSocket()[node.devices().indexOf(d)]);
        return tierPath(d, socket, toHost).hops();
    }

    /**
     * The units of tier {@code tier} a device's data is interleaved over: those on the device's own CPU socket, or
     * every unit of the node's tier when its socket has none ({@link TierSpec#HOST}: the socket's DRAM). Empty when
     * the node has no such tier.
     */
    public List<MemoryUnit> unitsFor(Device d, String tier) {
        NodeInstance node = nodes.get(d.nodeIndex());
        List<MemoryUnit> all = node.units(tier);
        int socket = node.deviceSocket()[node.devices().indexOf(d)];
        List<MemoryUnit> near = new ArrayList<>();
        for (MemoryUnit u : all) {
            if (u.socket() == socket) {
                near.add(u);
            }
        }
        return near.isEmpty() ? all : near;
    }

    /**
     * The path between a device's memory and a memory unit of its node ({@code toUnit}: device to unit): the
     * device's host link, the socket-to-socket link when the unit hangs off another socket (and the template models
     * one), the unit's attachment link, and the unit's media. Its latency is every link's plus the unit's access
     * latency (CXL's added latency, an SSD's read latency).
     */
    public Route tierPath(Device d, MemoryUnit unit, boolean toUnit) {
        NodeInstance node = nodes.get(d.nodeIndex());
        if (unit.nodeIndex() != d.nodeIndex()) {
            throw new RouteNotFoundException(d.name() + " cannot reach " + unit.name() + " on another node");
        }
        if (node.hostUp().length == 0) {
            throw new RouteNotFoundException("node template '" + node.profile().name() + "' has no host link from "
                    + d.name() + " to its memory tiers");
        }
        int i = node.devices().indexOf(d);
        int socket = node.deviceSocket()[i];
        List<Resource> hops = new ArrayList<>();
        long latency = node.profile().hostLink().latencyPicos() + unit.profile().latencyPicos();
        hops.add(toUnit ? node.hostUp()[i] : node.hostDown()[i]);
        latency += crossSockets(node, toUnit ? socket : unit.socket(), toUnit ? unit.socket() : socket, hops);
        latency += attach(unit, toUnit, hops);
        if (!toUnit) {
            java.util.Collections.reverse(hops);
        }
        return new Route(List.copyOf(hops), latency, node.profile().hostLink());
    }

    /**
     * The path from one memory unit to another of the same node (demoting data from host DRAM to a CXL card or an
     * SSD, reading optimizer states from NVMe into DRAM): the source's media and attachment link, the socket link
     * when they hang off different sockets, the destination's attachment link and media.
     */
    public Route unitPath(MemoryUnit from, MemoryUnit to) {
        if (from.nodeIndex() != to.nodeIndex()) {
            throw new RouteNotFoundException(from.name() + " cannot reach " + to.name() + " on another node");
        }
        NodeInstance node = nodes.get(from.nodeIndex());
        List<Resource> hops = new ArrayList<>();
        hops.add(from.read());
        long latency = from.profile().latencyPicos() + to.profile().latencyPicos();
        if (from.toHost() != null) {
            hops.add(from.toHost());
            latency += from.link().latencyPicos();
        }
        latency += crossSockets(node, from.socket(), to.socket(), hops);
        latency += attach(to, true, hops);
        return new Route(List.copyOf(hops), latency, from.link() != null ? from.link() : to.link());
    }

    /** Adds the socket link from socket a to b (if any is modelled and they differ); returns its latency. */
    /** Socket links of a node whose template models none (shared: it is never written). */
    private static final Resource[][] NO_SOCKET_LINKS = new Resource[0][0];

    private static long crossSockets(NodeInstance node, int a, int b, List<Resource> hops) {
        Resource r = a == b || node.socketLinks().length == 0 ? null : node.socketLinks()[a][b];
        if (r == null) {
            return 0;
        }
        hops.add(r);
        return node.profile().socketLink().latencyPicos();
    }

    /** Adds a unit's attachment link (towards it when {@code in}) and its media; returns the link's latency. */
    private static long attach(MemoryUnit unit, boolean in, List<Resource> hops) {
        long latency = 0;
        if (unit.link() != null) {
            hops.add(in ? unit.fromHost() : unit.toHost());
            latency = unit.link().latencyPicos();
        }
        if (in) {
            hops.addAll(unit.writeMedia());
        } else {
            hops.add(unit.read());
        }
        return latency;
    }

    /**
     * Capacity of every memory tier over the whole cluster, fastest first: the devices' own memory ({@code hbm}), the
     * host DRAM ({@code cpu}, when any node has some), then each further tier name in the order the nodes list them.
     */
    public Map<String, Double> tierCapacities() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(TierSpec.DEVICE, devices.stream().mapToDouble(d -> d.profile().memory().capacityBytes()).sum());
        for (NodeInstance n : nodes) {
            for (MemoryUnit u : n.sockets()) {
                out.merge(TierSpec.HOST, u.capacityBytes(), Double::sum);
            }
        }
        for (NodeInstance n : nodes) {
            for (List<MemoryUnit> units : n.tiers().values()) {
                for (MemoryUnit u : units) {
                    out.merge(u.tier(), u.capacityBytes(), Double::sum);
                }
            }
        }
        return out;
    }

    /** Every memory-unit resource (socket DRAM, tier media, internal paths, engines), for invariant checks. */
    public List<Resource> memoryResources() {
        List<Resource> out = new ArrayList<>();
        for (NodeInstance n : nodes) {
            List<MemoryUnit> units = new ArrayList<>(n.sockets());
            n.tiers().values().forEach(units::addAll);
            for (MemoryUnit u : units) {
                out.add(u.read());
                if (u.write() != u.read()) {
                    out.add(u.write());
                }
                if (u.internal() != null) {
                    out.add(u.internal());
                }
                if (u.engine() != null) {
                    out.add(u.engine());
                }
            }
        }
        return out;
    }

    /**
     * The technology class of a link-direction resource of this cluster ("pcie", "nvlink", "cxl", "ib", "upi", …),
     * for bytes-moved-per-link-class reports; null for a resource that is not one of its links.
     */
    public String linkClass(Resource r) {
        if (linkClasses == null) {
            linkClasses = new java.util.IdentityHashMap<>();
            for (NodeInstance n : nodes) {
                NodeProfile p = n.profile();
                classify(p.scaleUpLink(), n.egress(), n.ingress(), n.switchUp(), n.switchDown());
                for (Resource[] row : n.meshLinks()) {
                    classify(p.scaleUpLink(), row);
                }
                classify(p.hostLink(), n.hostUp(), n.hostDown());
                for (Resource[] row : n.socketLinks()) {
                    classify(p.socketLink(), row);
                }
                for (List<MemoryUnit> units : n.tiers().values()) {
                    for (MemoryUnit u : units) {
                        classify(u.link(), new Resource[] {u.toHost(), u.fromHost()});
                    }
                }
            }
            List<Resource> network = new ArrayList<>();
            if (fabric != null) {
                fabric.addResources(network);
            }
            if (torus != null) {
                torus.addResources(network);
            }
            ScaleOutSpec so = scaleOut();
            for (Resource x : network) {
                if (x != null && !linkClasses.containsKey(x)) {
                    linkClasses.put(x, so.nic().kind().name().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return linkClasses.get(r);
    }

    private java.util.IdentityHashMap<Resource, String> linkClasses;

    private void classify(LinkProfile link, Resource[]... groups) {
        if (link == null) {
            return;
        }
        String kind = link.kind().name().toLowerCase(java.util.Locale.ROOT);
        for (Resource[] g : groups) {
            for (Resource r : g) {
                if (r != null) {
                    linkClasses.putIfAbsent(r, kind);
                }
            }
        }
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
