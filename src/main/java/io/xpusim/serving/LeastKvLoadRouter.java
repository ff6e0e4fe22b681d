package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.List;

/**
 * Sends each request to the replica whose KV cache is least full (used fraction of its blocks), ties to the
 * fewest outstanding requests, then the lowest index. The cache counts only admitted requests, so between
 * iterations a burst of arrivals spreads by outstanding count.
 */
public final class LeastKvLoadRouter implements Router {
    @Override
    public int route(RequestSpec request, List<? extends ReplicaLoad> replicas) {
        int best = 0;
        for (int i = 1; i < replicas.size(); i++) {
            ReplicaLoad r = replicas.get(i);
            ReplicaLoad b = replicas.get(best);
            int byKv = Double.compare(r.kvUsedFraction(), b.kvUsedFraction());
            if (byKv < 0 || byKv == 0 && r.outstanding() < b.outstanding()) {
                best = i;
            }
        }
        return best;
    }
}
