package io.xpusim.serving;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.ModelSpec;

/**
 * Everything a serving simulation needs besides its workload: the cluster, the model, how it is served,
 * how many replicas, the router (a name in {@link Routers}) that spreads requests over them, and the host
 * CPU that launches kernels. With {@code disaggregation} (null when colocated) the replica count and the
 * config's tp are replaced by the prefill and decode pools; the router then picks the prefill replica and
 * least-outstanding picks the decode replica. With non-empty {@code replicaGroups} (colocated only) the replica
 * count and the config's tp are replaced by the groups, which may differ in tp and device type.
 */
public record ServingSetup(Cluster cluster, ModelSpec model, ServingConfig config, int replicas, String router,
                           DeviceProfile hostCpu, Disaggregation disaggregation, java.util.List<ReplicaGroup> replicaGroups) {
    public ServingSetup(Cluster cluster, ModelSpec model, ServingConfig config, int replicas, String router,
                        DeviceProfile hostCpu, Disaggregation disaggregation) {
        this(cluster, model, config, replicas, router, hostCpu, disaggregation, java.util.List.of());
    }

    public ServingSetup(Cluster cluster, ModelSpec model, ServingConfig config, int replicas, String router,
                        DeviceProfile hostCpu) {
        this(cluster, model, config, replicas, router, hostCpu, null);
    }
}
