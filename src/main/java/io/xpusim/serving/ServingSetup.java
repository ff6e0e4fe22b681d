package io.xpusim.serving;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.ModelSpec;

/**
 * Everything a serving simulation needs besides its workload: the cluster, the model, how it is served,
 * how many replicas, the router (a name in {@link Routers}) that spreads requests over them, and the host
 * CPU that launches kernels. With {@code disaggregation} (null when colocated) the replica count and the
 * config's tp are replaced by the prefill and decode pools; the router then picks the prefill replica and
 * least-outstanding picks the decode replica.
 */
public record ServingSetup(Cluster cluster, ModelSpec model, ServingConfig config, int replicas, String router,
                           DeviceProfile hostCpu, Disaggregation disaggregation) {
    public ServingSetup(Cluster cluster, ModelSpec model, ServingConfig config, int replicas, String router,
                        DeviceProfile hostCpu) {
        this(cluster, model, config, replicas, router, hostCpu, null);
    }
}
