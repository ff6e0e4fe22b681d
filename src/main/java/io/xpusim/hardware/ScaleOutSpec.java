package io.xpusim.hardware;

/**
 * The network between nodes.
 *
 * @param nicsPerNode      NICs per node; device i uses NIC {@code i · nics / devices}
 * @param oversubscription leaf downlink : uplink bandwidth ratio (1 = non-blocking)
 * @param nodesPerLeaf     nodes under one leaf switch (per rail, for a rail-optimized tree)
 * @param spines           0: each leaf's uplink is one aggregate (ideal load balancing); N: the uplink is N
 *                         equal links, one per spine, and each flow is hashed onto one of them (ECMP), so flows
 *                         can collide on a spine while another idles
 */
public record ScaleOutSpec(ScaleOutTopology topology, LinkProfile nic, int nicsPerNode, double oversubscription,
                           int nodesPerLeaf, int spines) {

    /** A network with ideal spine load balancing. */
    public ScaleOutSpec(ScaleOutTopology topology, LinkProfile nic, int nicsPerNode, double oversubscription,
                        int nodesPerLeaf) {
        this(topology, nic, nicsPerNode, oversubscription, nodesPerLeaf, 0);
    }
}
