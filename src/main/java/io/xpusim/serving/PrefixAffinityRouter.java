package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cache-aware routing after SGLang's router: the router mirrors each replica's cached prompt prefixes as an
 * LRU set of the trace's prefix-block hashes (Mooncake {@code hash_ids}), bounded by the replica's KV capacity
 * in tokens, and sends a request to the replica holding the longest run of its leading blocks when that run
 * covers more than {@value #CACHE_THRESHOLD} of the prompt's blocks (ties: fewer outstanding, then lower
 * index); otherwise, for requests without hashes, and whenever the replicas are out of balance (outstanding
 * requests differ by more than {@value #BALANCE_ABS} and the busiest has over {@value #BALANCE_REL}× the
 * idlest's), to the replica with the fewest outstanding requests. The thresholds are SGLang's defaults.
 * (SGLang sends low-match requests to the replica with the smallest tree; here they balance load instead.)
 * The view is the router's own estimate, as in SGLang (it does not read the replicas' caches); replicas reuse
 * cached prefixes only with prefix caching on ({@link PrefixCache}), otherwise this policy shows only the load
 * imbalance it costs.
 */
public final class PrefixAffinityRouter implements Router {
    static final double CACHE_THRESHOLD = 0.3;
    static final int BALANCE_ABS = 64;
    static final double BALANCE_REL = 1.5;

    private final List<PrefixView> views = new ArrayList<>();

    @Override
    public int route(RequestSpec request, List<? extends ReplicaLoad> replicas) {
        while (views.size() < replicas.size()) {
            views.add(new PrefixView());
        }
        long[] hashes = request.prefixHashes();
        int chosen = hashes.length == 0 || imbalanced(replicas) ? LeastOutstandingRouter.leastOutstanding(replicas)
                : byAffinity(hashes, replicas);
        if (hashes.length > 0) {
            long tokensPerBlock = Math.max(1, (request.inputTokens() + hashes.length - 1) / hashes.length);
            views.get(chosen).insert(hashes, tokensPerBlock, replicas.get(chosen).kvCapacityTokens());
        }
        return chosen;
    }

    private static boolean imbalanced(List<? extends ReplicaLoad> replicas) {
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (ReplicaLoad r : replicas) {
            min = Math.min(min, r.outstanding());
            max = Math.max(max, r.outstanding());
        }
        return max - min > BALANCE_ABS && max > BALANCE_REL * min;
    }

    private int byAffinity(long[] hashes, List<? extends ReplicaLoad> replicas) {
        int best = 0;
        int bestMatch = views.get(0).matched(hashes);
        for (int i = 1; i < replicas.size(); i++) {
            int m = views.get(i).matched(hashes);
            if (m > bestMatch || m == bestMatch && replicas.get(i).outstanding() < replicas.get(best).outstanding()) {
                best = i;
                bestMatch = m;
            }
        }
        return bestMatch > CACHE_THRESHOLD * hashes.length ? best : LeastOutstandingRouter.leastOutstanding(replicas);
    }

    /** The prefix blocks a replica is believed to hold, least recently used first, with their token counts. */
    private static final class PrefixView {
        private final LinkedHashMap<Long, Long> tokensByHash = new LinkedHashMap<>(16, 0.75f, true);
        private long tokens;

        /** How many of the leading hashes are held (a block hash names its whole prefix, as in Mooncake). */
        int matched(long[] hashes) {
            int n = 0;
            while (n < hashes.length && tokensByHash.containsKey(hashes[n])) {
                n++;
            }
            return n;
        }

        void insert(long[] hashes, long tokensPerBlock, long capacityTokens) {
            for (long h : hashes) {
                if (tokensByHash.get(h) == null) { // get() also marks a held block most recently used
                    tokensByHash.put(h, tokensPerBlock);
                    tokens += tokensPerBlock;
                }
            }
            Iterator<Map.Entry<Long, Long>> oldest = tokensByHash.entrySet().iterator();
            while (tokens > capacityTokens && oldest.hasNext()) {
                tokens -= oldest.next().getValue();
                oldest.remove();
            }
        }
    }
}
