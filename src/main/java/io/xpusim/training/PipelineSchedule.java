package io.xpusim.training;

import java.util.List;

/**
 * A pipeline schedule: the order in which each stage runs its forward and backward passes in one
 * training step. The order is all a schedule decides; data dependencies (a forward needs the previous
 * stage's forward, a backward the next stage's backward) are enforced by whoever executes it.
 */
public interface PipelineSchedule {
    /** The name used in YAML ({@code schedule: 1f1b}). */
    String name();

    /**
     * Every task of {@code stage} in execution order: each (micro-batch, chunk) appears once as a forward and
     * once as a backward.
     *
     * @param stages        pipeline stages p
     * @param microBatches  micro-batches per step m
     * @param virtualStages model chunks per stage v
     */
    List<PipelineTask> order(int stage, int stages, int microBatches, int virtualStages);

    /**
     * Null when the schedule can run (stages, micro-batches, virtual stages), else what is wrong, in the user's
     * terms (e.g. interleaving needs the micro-batch count to be a multiple of the stage count).
     */
    default String check(int stages, int microBatches, int virtualStages) {
        return virtualStages == 1 ? null : name() + " has no virtual stages (use schedule: interleaved)";
    }

    /**
     * The most (micro-batch, chunk) activations stage {@code stage} holds at once under this order: forwards
     * run minus backwards run, at its peak. 1F1B holds min(p − stage, m), GPipe all m.
     */
    default int peakInFlight(int stage, int stages, int microBatches, int virtualStages) {
        int held = 0;
        int peak = 0;
        for (PipelineTask t : order(stage, stages, microBatches, virtualStages)) {
            held += t.pass() == Pass.FORWARD ? 1 : -1;
            peak = Math.max(peak, held);
        }
        return peak;
    }
}
