package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.List;

/**
 * Chooses the replica each arriving request goes to. Implementations are registered by name in
 * {@link Routers} so that YAML ({@code strategy: {router: least-outstanding}}) and code use the same word.
 * A router may keep state between calls; one instance serves one simulation.
 */
public interface Router {
    /** The index in {@code replicas} (never empty) of the replica that gets {@code request}. */
    int route(RequestSpec request, List<? extends ReplicaLoad> replicas);
}
