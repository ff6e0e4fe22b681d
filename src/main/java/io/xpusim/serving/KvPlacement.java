package io.xpusim.serving;

import java.util.List;

/**
 * Decides where a swapped-out request's KV goes among a replica's offload tiers (fastest first). Implementations are
 * registered by name in {@link KvPlacements} ({@code kv-offload: {policy: lru}}).
 */
public interface KvPlacement {
    /** A demotion the placement needs first: {@code request}'s KV moves from tier {@code from} to tier {@code to}. */
    record Move(ServingRequest request, int from, int to) {
    }

    /** What a placement sees of the tiers: free bytes, who is where, and how big a request's KV is. */
    interface Tiers {
        int count();

        /** Bytes tier {@code tier} can still take. */
        double free(int tier);

        /** Requests in tier {@code tier}, least recently swapped out first. */
        Iterable<ServingRequest> leastRecentFirst(int tier);

        /** Bytes of the request's KV (all its ranks). */
        double bytes(ServingRequest r);

        /** Whether the request's KV is being moved this step already (it may not be moved again). */
        boolean moving(ServingRequest r);
    }

    /**
     * The tier for {@code bytes} of new KV, adding to {@code moves} (empty on entry) the demotions that must run first,
     * in order; -1 when it fits nowhere (the request is then preempted by recompute).
     */
    int place(Tiers tiers, double bytes, List<Move> moves);
}
