package io.xpusim.serving;

import io.xpusim.units.DataSize;
import java.util.List;
import java.util.Map;

/**
 * Where a replica's preempted KV goes instead of being recomputed (vLLM's preemption by swap), as the scenario asks
 * for it in {@code strategy.kv-offload}: the tiers in order of preference (fastest first: {@code cpu} for host DRAM, or
 * the name of a node tier such as {@code cxl} or {@code nvme}), the bytes of each tier set aside for KV on one node
 * (shared by the replicas on that node), and the placement policy by name ({@link KvPlacements}).
 */
public record KvOffload(List<String> tiers, Map<String, Double> capacityBytesPerNode, String policy) {
    /** vLLM's default swap space: 4 GiB of host memory per GPU ({@code --swap-space 4}). */
    public static final double VLLM_SWAP_SPACE_BYTES_PER_DEVICE = 4 * DataSize.BYTES_PER_GIB;

    public KvOffload {
        tiers = List.copyOf(tiers);
        capacityBytesPerNode = Map.copyOf(capacityBytesPerNode);
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("kv-offload needs at least one tier");
        }
    }

    /** KV bytes of tier {@code tier} on one node. */
    public double capacityBytes(String tier) {
        Double c = capacityBytesPerNode.get(tier);
        if (c == null) {
            throw new IllegalArgumentException("no KV capacity for tier " + tier);
        }
        return c;
    }
}
