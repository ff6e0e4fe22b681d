package io.xpusim.hardware;

import io.xpusim.resource.Resource;

/**
 * One accelerator in a built cluster. Its compute is a resource of capacity 1 (device-seconds of work per
 * second), so kernels sharing a device slow each other down and the integral is its busy time.
 */
public final class Device {
    private final int id;
    private final String name;
    private final DeviceProfile profile;
    private final int nodeIndex;
    private final Resource compute;

    Device(int id, String name, DeviceProfile profile, int nodeIndex) {
        this.id = id;
        this.name = name;
        this.profile = profile;
        this.nodeIndex = nodeIndex;
        this.compute = new Resource(name + "/compute", 1.0);
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public DeviceProfile profile() {
        return profile;
    }

    public int nodeIndex() {
        return nodeIndex;
    }

    public Resource compute() {
        return compute;
    }

    @Override
    public String toString() {
        return name;
    }
}
