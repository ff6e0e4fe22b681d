package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * The resources of the scale-out network — each device's host link (PCIe or C2C) towards its NIC, each
 * NIC's two directions, each leaf's uplink and downlink to the spine — and the paths through them.
 * The spine itself is taken as non-blocking; its limit is the leaves' uplinks.
 */
final class ScaleOutFabric {
    private final ScaleOutSpec spec;
    private final Resource[][] hostOut;
    private final Resource[][] hostIn;
    private final Resource[][] nicOut;
    private final Resource[][] nicIn;
    private final Resource[][] leafUp;   // [leaf][spine]; one aggregate entry when spines = 0
    private final Resource[][] leafDown;
    private final int[] leafOfNic; // index node * nics + nic

    ScaleOutFabric(ScaleOutSpec spec, List<NodeInstance> nodes) {
        this.spec = spec;
        int n = nodes.size();
        int nics = spec.nicsPerNode();
        hostOut = new Resource[n][];
        hostIn = new Resource[n][];
        nicOut = new Resource[n][nics];
        nicIn = new Resource[n][nics];
        leafOfNic = new int[n * nics];
        double[] portRate = new double[n];
        for (NodeInstance node : nodes) {
            NodeProfile p = node.profile();
            if (p.hostLink() == null) {
                throw new IllegalArgumentException("node template " + p.name() + " has no host link for its NICs");
            }
            // the device's host link (PCIe) that the NIC hangs off: the same resources host-memory copies use
            hostOut[node.index()] = node.hostUp();
            hostIn[node.index()] = node.hostDown();
            LinkProfile nicProfile = node.nic() != null ? node.nic() : spec.nic();
            double nicRate = nicProfile.achievedBandwidthBytesPerSecond();
            portRate[node.index()] = nicRate;
            for (int r = 0; r < nics; r++) {
                String nic = "node" + node.index() + "/nic" + r + "/" + nicProfile.name();
                nicOut[node.index()][r] = new Resource(nic + "/out", nicRate);
                nicIn[node.index()][r] = new Resource(nic + "/in", nicRate);
            }
        }
        // leaves: which leaf each NIC hangs off, and how many NIC ports each leaf has
        int leaves = 0;
        List<Double> ports = new ArrayList<>(); // bytes/s of the NIC ports on each leaf
        for (int node = 0; node < n; node++) {
            for (int r = 0; r < nics; r++) {
                int leaf = switch (spec.topology()) {
                    case SINGLE_SWITCH -> 0;
                    case FAT_TREE -> node / spec.nodesPerLeaf();
                    case RAIL_OPTIMIZED_FAT_TREE -> (node / spec.nodesPerLeaf()) * nics + r;
                    case TORUS -> throw new IllegalArgumentException("a torus is built by TorusFabric");
                };
                leafOfNic[node * nics + r] = leaf;
                while (ports.size() <= leaf) {
                    ports.add(0.0);
                }
                ports.set(leaf, ports.get(leaf) + portRate[node]);
                leaves = Math.max(leaves, leaf + 1);
            }
        }
        int lanes = Math.max(1, spec.spines());
        leafUp = new Resource[leaves][lanes];
        leafDown = new Resource[leaves][lanes];
        for (int l = 0; l < leaves; l++) {
            double uplink = ports.get(l) / spec.oversubscription() / lanes;
            for (int k = 0; k < lanes; k++) {
                String name = spec.spines() == 0 ? "leaf" + l + "/uplink" : "leaf" + l + "/spine" + k;
                leafUp[l][k] = new Resource(name + "/out", uplink);
                leafDown[l][k] = new Resource(name + "/in", uplink);
            }
        }
    }

    int nicOf(NodeInstance node, int localDevice) {
        return localDevice * spec.nicsPerNode() / node.devices().size();
    }

    /** The first device attached to NIC {@code nic} of a node. */
    int deviceOfNic(NodeInstance node, int nic) {
        return (nic * node.devices().size() + spec.nicsPerNode() - 1) / spec.nicsPerNode();
    }

    /**
     * Hops from device {@code i} of node {@code a} to device {@code j} of node {@code b}, after any scale-up
     * hops the caller adds for PXN: from the sending device's host link, out of NIC {@code railOut}, across
     * the leaves if they differ, into NIC {@code railIn} and the receiving device's host link.
     */
    List<Resource> path(NodeInstance a, int sender, int railOut, NodeInstance b, int receiver, int railIn) {
        List<Resource> hops = new ArrayList<>(6);
        hops.add(hostOut[a.index()][sender]);
        hops.add(nicOut[a.index()][railOut]);
        int la = leafOfNic[a.index() * spec.nicsPerNode() + railOut];
        int lb = leafOfNic[b.index() * spec.nicsPerNode() + railIn];
        if (la != lb) {
            // ECMP: a well-mixed, deterministic hash of the endpoints picks the spine, as switches hash the
            // 5-tuple (a linear hash would spread a regular all-to-all perfectly, which real ECMP does not)
            int lanes = leafUp[la].length;
            int spine = (int) Math.floorMod(mix(((long) a.index() << 48) ^ ((long) sender << 32) ^ ((long) b.index() << 16)
                    ^ receiver), (long) lanes);
            hops.add(leafUp[la][spine]);
            hops.add(leafDown[lb][spine]);
        }
        hops.add(nicIn[b.index()][railIn]);
        hops.add(hostIn[b.index()][receiver]);
        return hops;
    }

    /** MurmurHash3's 64-bit finaliser: nearby inputs land far apart. */
    private static long mix(long z) {
        z ^= z >>> 33;
        z *= 0xff51afd7ed558ccdL;
        z ^= z >>> 33;
        z *= 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    ScaleOutSpec spec() {
        return spec;
    }

    void addResources(List<Resource> out) {
        for (Resource[][] group : List.of(nicOut, nicIn)) { // host links belong to the nodes
            for (Resource[] row : group) {
                for (Resource r : row) {
                    out.add(r);
                }
            }
        }
        for (Resource[][] side : List.of(leafUp, leafDown)) {
            for (Resource[] lanes : side) {
                for (Resource r : lanes) {
                    out.add(r);
                }
            }
        }
    }
}
