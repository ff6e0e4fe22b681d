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
 * @param torusDims        torus only: nodes along each dimension (their product is the node count); the
 *                         {@code nic} profile is one torus port, per direction
 */
public record ScaleOutSpec(ScaleOutTopology topology, LinkProfile nic, int nicsPerNode, double oversubscription,
                           int nodesPerLeaf, int spines, java.util.List<Integer> torusDims) {

    /** A tree network with ideal spine load balancing. */
    public ScaleOutSpec(ScaleOutTopology topology, LinkProfile nic, int nicsPerNode, double oversubscription,
                        int nodesPerLeaf) {
        this(topology, nic, nicsPerNode, oversubscription, nodesPerLeaf, 0, java.util.List.of());
    }

    /** A tree network. */
    public ScaleOutSpec(ScaleOutTopology topology, LinkProfile nic, int nicsPerNode, double oversubscription,
                        int nodesPerLeaf, int spines) {
        this(topology, nic, nicsPerNode, oversubscription, nodesPerLeaf, spines, java.util.List.of());
    }

    /** A torus of nodes with the given dimensions, each port a {@code port} link. */
    public static ScaleOutSpec torus(LinkProfile port, java.util.List<Integer> dims) {
        return new ScaleOutSpec(ScaleOutTopology.TORUS, port, 1, 1, 1, 0, java.util.List.copyOf(dims));
    }
}
