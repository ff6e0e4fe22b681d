package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.List;

/** The resources a transfer between two endpoints crosses, in order, and the latency it pays once. */
public record Route(List<Resource> hops, long latencyPicos) {
    public Resource[] hopsArray() {
        return hops.toArray(new Resource[0]);
    }
}
