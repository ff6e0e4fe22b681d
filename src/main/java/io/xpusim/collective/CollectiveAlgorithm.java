package io.xpusim.collective;

import java.util.Locale;

/** How a collective is lowered to flows. */
public enum CollectiveAlgorithm {
    /** Choose by operation, size and topology, as NCCL would; the choice is reported. */
    AUTO,
    /** Ring, one channel per NIC when the group spans nodes (channel c crosses nodes on NIC c). */
    RING,
    /** Reduce-scatter inside nodes, all-reduce across nodes per local rank (ring), all-gather inside. */
    HIERARCHICAL,
    /**
     * As hierarchical, with NCCL's double binary tree across nodes: log₂(nodes) latency steps, and 2·S/k per NIC
     * beyond 2 nodes (a ring across nodes moves 2(N−1)/N of it).
     */
    TREE,
    /** Every pair directly (all-to-all, send/recv). */
    DIRECT,
    /**
     * In-switch reduction inside one node (NVLink SHARP): each device sends its buffer into the switch and
     * receives the reduced result, at the switch's reduction rate.
     */
    NVLS,
    /**
     * Inside one full-mesh node (Infinity Fabric, HCCS) or flat all-to-all supernode (UB): reduce-scatter and
     * all-gather to every peer at once, as RCCL and HCCL do, so all n−1 peer links carry traffic instead of one (on a
     * supernode: the same bytes through each device's port as a ring, in one step instead of n−1).
     */
    MESH;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
