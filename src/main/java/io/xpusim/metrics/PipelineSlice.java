package io.xpusim.metrics;

/**
 * One interval of a training step on one pipeline stage, for timelines and breakdowns.
 *
 * @param stage      pipeline stage (0-based)
 * @param kind       what ran
 * @param microBatch micro-batch, or -1 for per-step work (gradient reduction, optimizer)
 * @param chunk      model chunk of the stage (virtual stage), or -1
 */
public record PipelineSlice(int stage, SliceKind kind, int microBatch, int chunk, double startSeconds, double endSeconds) {

    /** What a slice is. */
    public enum SliceKind {
        FORWARD, BACKWARD, RECOMPUTE, TP_COMM, CP_COMM, PP_SEND, DP_COMM, ZERO_GATHER, OPTIMIZER, OFFLOAD,
        /** Expert-parallel all-to-alls (MoE token dispatch and combine, and their gradients). */
        EP_COMM;

        /** Computation on the stage's devices (as opposed to communication or host work). */
        public boolean isCompute() {
            return this == FORWARD || this == BACKWARD || this == RECOMPUTE;
        }
    }

    public double seconds() {
        return endSeconds - startSeconds;
    }
}
