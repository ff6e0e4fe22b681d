package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * A 2D or 3D torus of nodes: every node has one port per direction of every dimension (a resource each), and a
 * route walks dimension by dimension, each the short way around its ring (dimension-order routing). Nodes are
 * numbered with the first dimension fastest, so consecutive nodes are neighbours along it.
 */
final class TorusFabric {
    private final ScaleOutSpec spec;
    private final int[] dims;
    private final Resource[][][] ports; // [node][dimension][0: +, 1: -]

    TorusFabric(ScaleOutSpec spec, List<NodeInstance> nodes) {
        this.spec = spec;
        this.dims = spec.torusDims().stream().mapToInt(Integer::intValue).toArray();
        int product = 1;
        for (int d : dims) {
            product *= d;
        }
        if (product != nodes.size()) {
            throw new IllegalArgumentException("torus dimensions multiply to " + product + " but there are " + nodes.size()
                    + " nodes");
        }
        double rate = spec.nic().achievedBandwidthBytesPerSecond();
        ports = new Resource[nodes.size()][dims.length][2];
        for (int n = 0; n < nodes.size(); n++) {
            for (int d = 0; d < dims.length; d++) {
                for (int dir = 0; dir < 2; dir++) {
                    ports[n][d][dir] = new Resource("node" + n + "/" + spec.nic().name() + "/dim" + d + (dir == 0 ? "+" : "-"),
                            rate);
                }
            }
        }
    }

    /** The ports crossed from node {@code a} to node {@code b}. */
    List<Resource> path(int a, int b) {
        List<Resource> hops = new ArrayList<>();
        int[] at = coordinates(a);
        int[] to = coordinates(b);
        for (int d = 0; d < dims.length; d++) {
            int size = dims[d];
            int forward = Math.floorMod(to[d] - at[d], size);
            boolean plus = forward <= size - forward;
            int steps = plus ? forward : size - forward;
            for (int s = 0; s < steps; s++) {
                hops.add(ports[index(at)][d][plus ? 0 : 1]);
                at[d] = Math.floorMod(at[d] + (plus ? 1 : -1), size);
            }
        }
        return hops;
    }

    private int[] coordinates(int node) {
        int[] c = new int[dims.length];
        for (int d = 0; d < dims.length; d++) {
            c[d] = node % dims[d];
            node /= dims[d];
        }
        return c;
    }

    private int index(int[] c) {
        int i = 0;
        for (int d = dims.length - 1; d >= 0; d--) {
            i = i * dims[d] + c[d];
        }
        return i;
    }

    ScaleOutSpec spec() {
        return spec;
    }

    void addResources(List<Resource> out) {
        for (Resource[][] node : ports) {
            for (Resource[] dim : node) {
                for (Resource r : dim) {
                    out.add(r);
                }
            }
        }
    }
}
