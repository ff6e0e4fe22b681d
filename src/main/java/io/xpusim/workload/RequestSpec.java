package io.xpusim.workload;

/**
 * One inference request as the workload describes it: when it arrives and how many tokens it brings and
 * asks for. {@code prefixHashes} are the prompt's KV-block hashes when the trace has them (Mooncake),
 * else an empty array. {@code priority} orders admission under {@code strategy.scheduler.admission: priority}
 * (lower is sooner); 0 unless the trace gives one (Mooncake {@code priority} field, Azure CSV {@code Priority}
 * column).
 */
public record RequestSpec(long id, long arrivalPicos, int inputTokens, int outputTokens, long[] prefixHashes,
                          int priority) {
    public static final long[] NO_HASHES = new long[0];

    /** A request of the default priority 0. */
    public RequestSpec(long id, long arrivalPicos, int inputTokens, int outputTokens, long[] prefixHashes) {
        this(id, arrivalPicos, inputTokens, outputTokens, prefixHashes, 0);
    }
}
