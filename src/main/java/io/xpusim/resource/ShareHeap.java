package io.xpusim.resource;

import java.util.Arrays;

/**
 * A binary min-heap of (fair share, resource, version) for progressive filling. Entries are never updated in
 * place: a resource whose share changes is pushed again with a new version, and {@link #peekValid} drops
 * entries whose version is no longer the resource's (lazy deletion). Primitive arrays, reused across recomputes.
 */
final class ShareHeap {
    private double[] keys = new double[64];
    private Resource[] resources = new Resource[64];
    private int[] versions = new int[64];
    private int size;

    void clear() {
        Arrays.fill(resources, 0, size, null);
        size = 0;
    }

    void push(double share, Resource r) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            resources = Arrays.copyOf(resources, size * 2);
            versions = Arrays.copyOf(versions, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= share) {
                break;
            }
            keys[i] = keys[parent];
            resources[i] = resources[parent];
            versions[i] = versions[parent];
            i = parent;
        }
        keys[i] = share;
        resources[i] = r;
        versions[i] = r.solverVersion;
    }

    /** The resource with the smallest current share (discarding stale entries), or null when none is left. */
    Resource peekValid() {
        while (size > 0 && (versions[0] != resources[0].solverVersion || resources[0].solverUnfrozen == 0)) {
            pop();
        }
        return size == 0 ? null : resources[0];
    }

    /** The share of the top entry; valid after {@link #peekValid} returned a resource. */
    double topShare() {
        return keys[0];
    }

    void pop() {
        int last = --size;
        double key = keys[last];
        Resource r = resources[last];
        int v = versions[last];
        resources[last] = null;
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] < keys[child]) {
                child++;
            }
            if (keys[child] >= key) {
                break;
            }
            keys[i] = keys[child];
            resources[i] = resources[child];
            versions[i] = versions[child];
            i = child;
        }
        if (size > 0) {
            keys[i] = key;
            resources[i] = r;
            versions[i] = v;
        }
    }
}
