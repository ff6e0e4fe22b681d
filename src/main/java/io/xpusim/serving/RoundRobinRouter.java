package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.List;

/** Sends requests to the replicas in turn, whatever their load: replica 0, 1, …, n−1, 0, … */
public final class RoundRobinRouter implements Router {
    private int next;

    @Override
    public int route(RequestSpec request, List<? extends ReplicaLoad> replicas) {
        int chosen = next % replicas.size();
        next = chosen + 1;
        return chosen;
    }
}
