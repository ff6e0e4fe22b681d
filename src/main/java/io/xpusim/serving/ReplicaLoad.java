package io.xpusim.serving;

/** What a {@link Router} sees of a replica when it routes a request: its queue and its KV cache. */
public interface ReplicaLoad {
    /** Requests admitted but not finished, plus requests waiting for admission. */
    int outstanding();

    /** Fraction of the replica's KV-cache blocks in use, 0 to 1 (0 for a replica without KV blocks). */
    double kvUsedFraction();

    /** Tokens the replica's KV cache holds when full. */
    long kvCapacityTokens();
}
