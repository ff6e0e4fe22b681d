package io.xpusim.serving;

/**
 * One entry of {@code strategy.replica-groups}: {@code replicas} replicas of tensor-parallel degree {@code tp}.
 * Groups take the cluster's devices in order (node groups in the order listed), so a cluster of different device
 * types serves heterogeneous replicas; each replica plans memory and costs for its own devices' profile.
 */
public record ReplicaGroup(int replicas, int tp) {
    public ReplicaGroup {
        if (replicas < 1 || tp < 1) {
            throw new IllegalArgumentException("a replica group needs replicas ≥ 1 and tp ≥ 1");
        }
    }

    public int devices() {
        return replicas * tp;
    }
}
