package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.List;

/**
 * The resources a transfer between two endpoints crosses, in order, the latency it pays once, and the link
 * technology that bounds it (null for a device to itself).
 */
public record Route(List<Resource> hops, long latencyPicos, LinkProfile link) {
    public Resource[] hopsArray() {
        return hops.toArray(new Resource[0]);
    }
}
