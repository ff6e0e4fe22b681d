package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.List;

/**
 * Sends each request to the replica with the fewest outstanding requests (running plus waiting), ties to
 * the lowest index: "least connections" / join-the-shortest-queue.
 */
public final class LeastOutstandingRouter implements Router {
    @Override
    public int route(RequestSpec request, List<? extends ReplicaLoad> replicas) {
        return leastOutstanding(replicas);
    }

    static int leastOutstanding(List<? extends ReplicaLoad> replicas) {
        int best = 0;
        int bestLoad = replicas.get(0).outstanding();
        for (int i = 1; i < replicas.size(); i++) {
            int load = replicas.get(i).outstanding();
            if (load < bestLoad) {
                best = i;
                bestLoad = load;
            }
        }
        return best;
    }
}
