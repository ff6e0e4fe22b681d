package io.xpusim.serving;

import io.xpusim.model.BatchShape;
import io.xpusim.model.Operator;
import io.xpusim.resource.Activity;
import java.util.List;

/**
 * Where a replica's decode attention runs when it leaves the device, together with the KV cache it reads
 * ({@code strategy.offload.attention}, one implementation per target in {@link AttentionOffloads}). Per iteration and
 * rank it adds the activities that move the new tokens' q/k/v and the prompts' KV to the target, compute attention
 * there and bring the outputs back; {@link OffloadWork} runs them alongside the device's kernels.
 */
interface AttentionOffload {
    /**
     * Adds rank {@code rank}'s offloaded attention work for one iteration of {@code shape} to {@code acts}, each
     * calling {@code finished} when done. {@code decode} is the iteration's decode-attention operator (null when it
     * has no decode sequences). Returns the attention's own time per layer at full rate (seconds), for the pipeline
     * fill.
     */
    double add(int rank, BatchShape shape, Operator decode, List<Activity> acts, Activity.Completion finished);

    /** What it moved and computed so far. */
    AttentionTraffic traffic();

    /** Whether the attention runs on the host CPU (then its busy time is the host's, and it takes host cores). */
    boolean runsOnHost();

    /** Host CPU core-seconds the attention took (0 unless it runs on the host CPU). */
    double hostCoreSeconds();
}
