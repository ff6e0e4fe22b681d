package io.xpusim.training;

/**
 * How a training job is split over devices. Ranks are laid out Megatron-style, tensor-parallel fastest:
 * {@code rank = ((stage·dp + replica)·cp + contextRank)·tp + tensorRank}, so a TP group is contiguous
 * (inside a node) and each pipeline stage owns a contiguous block of dp·cp·tp devices.
 *
 * @param dp                data-parallel replicas
 * @param tp                tensor-parallel ranks per layer
 * @param pp                pipeline stages
 * @param virtualStages     model chunks per stage (interleaved 1F1B); 1 otherwise
 * @param sequenceParallel  shard norms and dropout over the TP group (all-gather/reduce-scatter instead of all-reduce)
 * @param cp                context-parallel ranks (the sequence split, ring attention)
 * @param ep                expert-parallel ranks (MoE only)
 */
public record ParallelPlan(int dp, int tp, int pp, int virtualStages, boolean sequenceParallel, int cp, int ep) {

    public ParallelPlan {
        if (dp < 1 || tp < 1 || pp < 1 || virtualStages < 1 || cp < 1 || ep < 1) {
            throw new IllegalArgumentException("every parallel degree must be at least 1");
        }
    }

    /** Devices the plan occupies: dp·tp·pp·cp (expert parallelism reuses the data-parallel ranks). */
    public long devices() {
        return (long) dp * tp * pp * cp;
    }

    /** Devices in one pipeline stage: dp·cp·tp. */
    public int devicesPerStage() {
        return dp * cp * tp;
    }

    /** The global rank of a (stage, replica, context rank, tensor rank). */
    public int rank(int stage, int replica, int contextRank, int tensorRank) {
        return ((stage * dp + replica) * cp + contextRank) * tp + tensorRank;
    }
}
