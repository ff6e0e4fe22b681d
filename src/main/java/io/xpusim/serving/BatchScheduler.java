package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.Locale;

/**
 * Chooses what the next iteration of a replica runs. Implementations are registered by name in
 * {@link BatchSchedulers} so that YAML ({@code scheduler: {policy: vllm}}) and code use the same word.
 */
public interface BatchScheduler {
    /** Fills {@code out} (already empty) from the state; may admit, allocate KV blocks and preempt. */
    void schedule(SchedulerState state, Batch out);

    /** Whether a prompt may be split across iterations, so max-batched-tokens need not hold the longest prompt. */
    default boolean chunksPrompts() {
        return false;
    }

    /** Whether each request's KV is reserved whole at admission (prompt + reserved output, see kv-reserve), not paged. */
    default boolean reservesKv() {
        return false;
    }

    /**
     * Why this policy could never run the request, even alone on an idle replica ("category: details"), or
     * null if it can. The default suits paged policies that admit whole prompts above the watermark: a
     * request preempted late re-prefills almost its whole context, so that must fit beside the watermark
     * on an empty cache.
     */
    default String neverRuns(RequestSpec s, KvCache kv, SchedulerConfig c) {
        if (!chunksPrompts() && s.inputTokens() > c.maxBatchedTokens()) {
            return String.format(Locale.ROOT, "prompt longer than max-batched-tokens: %d > %d",
                    s.inputTokens(), c.maxBatchedTokens());
        }
        long total = (long) s.inputTokens() + s.outputTokens();
        int admissible = kv.totalBlocks() - (int) Math.ceil(c.watermark() * kv.totalBlocks());
        if (kv.blocksFor(total) > admissible) {
            return String.format(Locale.ROOT, "larger than the whole KV cache: needs %d blocks, the cache admits %d "
                    + "(%d minus the %.0f%% watermark)", kv.blocksFor(total), admissible, kv.totalBlocks(),
                    100 * c.watermark());
        }
        return null;
    }
}
