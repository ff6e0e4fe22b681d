package io.xpusim.hardware;

/** How nodes reach each other through their NICs. */
public enum ScaleOutTopology {
    /**
     * Two-tier leaf/spine: the NICs of {@code nodes-per-leaf} nodes share a leaf switch; leaves reach each
     * other through the spine with {@code oversubscription}:1 uplinks.
     */
    FAT_TREE,
    /**
     * Rail-optimized leaf/spine (DGX SuperPOD): NIC r of every node in a pod sits on leaf r of that pod,
     * so same-rail traffic inside a pod never crosses the spine; traffic to another rail first moves to the
     * GPU on that rail over the scale-up fabric (PXN), then along the rail.
     */
    RAIL_OPTIMIZED_FAT_TREE,
    /** Every NIC on one non-blocking switch (a small cluster, or plain Ethernet). */
    SINGLE_SWITCH,
    /**
     * Nodes on a 2D or 3D torus (TPU-style pods): each node has a port in both directions of every dimension,
     * routes go dimension by dimension the short way around each ring.
     */
    TORUS
}
