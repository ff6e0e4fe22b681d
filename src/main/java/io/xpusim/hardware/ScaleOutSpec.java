package io.xpusim.hardware;

/**
 * The network between nodes.
 *
 * @param nicsPerNode      NICs per node; device i uses NIC {@code i · nics / devices}
 * @param oversubscription leaf downlink : uplink bandwidth ratio (1 = non-blocking)
 * @param nodesPerLeaf     nodes under one leaf switch (per rail, for a rail-optimized tree)
 */
public record ScaleOutSpec(ScaleOutTopology topology, LinkProfile nic, int nicsPerNode, double oversubscription,
                           int nodesPerLeaf) {
}
