package io.xpusim.serving;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.ModelSpec;

/**
 * Everything a serving simulation needs besides its workload: the cluster, the model, how it is served,
 * how many replicas, the router (a name in {@link Routers}) that spreads requests over them, and the host
 * CPU that launches kernels.
 */
public record ServingSetup(Cluster cluster, ModelSpec model, ServingConfig config, int replicas, String router,
                           DeviceProfile hostCpu) {
}
