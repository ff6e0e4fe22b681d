package io.xpusim.serving;

/**
 * Chooses what the next iteration of a replica runs. Implementations are registered by name in
 * {@link BatchSchedulers} so that YAML ({@code scheduler: {policy: vllm}}) and code use the same word.
 */
public interface BatchScheduler {
    /** Fills {@code out} (already empty) from the state; may admit, allocate KV blocks and preempt. */
    void schedule(SchedulerState state, Batch out);
}
