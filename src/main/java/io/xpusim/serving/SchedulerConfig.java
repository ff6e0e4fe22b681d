package io.xpusim.serving;

/**
 * Batch-scheduler settings of one replica.
 *
 * @param policy           registered scheduler name, e.g. {@code vllm}
 * @param maxBatchedTokens most new tokens one iteration may process
 * @param maxSeqs          most sequences running at once
 * @param blockTokens      tokens per KV-cache block (page)
 * @param watermark        fraction of KV blocks kept free when admitting new prompts (avoids thrashing)
 */
public record SchedulerConfig(String policy, int maxBatchedTokens, int maxSeqs, int blockTokens, double watermark) {
}
