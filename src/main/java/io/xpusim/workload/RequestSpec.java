package io.xpusim.workload;

/**
 * One inference request as the workload describes it: when it arrives and how many tokens it brings and
 * asks for. {@code prefixHashes} are the prompt's KV-block hashes when the trace has them (Mooncake),
 * else an empty array.
 */
public record RequestSpec(long id, long arrivalPicos, int inputTokens, int outputTokens, long[] prefixHashes) {
    public static final long[] NO_HASHES = new long[0];
}
