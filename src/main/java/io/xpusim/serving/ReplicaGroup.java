package io.xpusim.serving;

/**
 * One entry of {@code strategy.replica-groups} (or of a disaggregation pool): {@code replicas} replicas of
 * tensor-parallel degree {@code tp} and {@code pp} pipeline stages — for a mixture-of-experts model also
 * {@code attentionDp} attention groups of tp devices and expert parallelism {@code ep} — so attention-dp × tp × pp
 * devices each. Groups take the cluster's devices in order (node groups in the order listed), so a cluster of different
 * device types serves heterogeneous replicas; each replica plans memory and costs for its own devices' profile.
 */
public record ReplicaGroup(int replicas, int tp, int pp, int attentionDp, int ep) {
    public ReplicaGroup {
        if (replicas < 1 || tp < 1 || pp < 1 || attentionDp < 1 || ep < 1) {
            throw new IllegalArgumentException("a replica group needs replicas, tp, pp, attention-dp and ep ≥ 1");
        }
    }

    public ReplicaGroup(int replicas, int tp, int pp) {
        this(replicas, tp, pp, 1, 1);
    }

    public ReplicaGroup(int replicas, int tp) {
        this(replicas, tp, 1);
    }

    /** Devices of one replica: attention groups × tp × pp. */
    public int devicesPerReplica() {
        return attentionDp * tp * pp;
    }

    public int devices() {
        return replicas * devicesPerReplica();
    }

    /** The serving config of this group's replicas: {@code c} at its tp and pp (and a MoE model's attention-dp and ep). */
    public ServingConfig config(ServingConfig c) {
        ServingConfig g = c.withParallelism(tp, pp);
        return c.moe() == null ? g : g.withMoe(c.moe().withGroups(attentionDp, ep));
    }
}
