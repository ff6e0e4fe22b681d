package io.xpusim.resource;

import java.util.Arrays;

/**
 * A binary min-heap of (fair share, resource) for progressive filling, each resource in it at most once.
 * During filling a resource's fair share only rises (freezing an activity at the minimum share never lowers
 * another resource's share), so a key is a lower bound of its resource's share: {@link #peekValid} re-keys a
 * stale top entry lazily instead of every freeze pushing every resource it touches. Primitive arrays, reused
 * across recomputes.
 */
final class ShareHeap {
    private double[] keys = new double[64];
    private Resource[] resources = new Resource[64];
    private int size;

    void clear() {
        Arrays.fill(resources, 0, size, null);
        size = 0;
    }

    void push(double share, Resource r) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            resources = Arrays.copyOf(resources, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= share) {
                break;
            }
            keys[i] = keys[parent];
            resources[i] = resources[parent];
            i = parent;
        }
        keys[i] = share;
        resources[i] = r;
    }

    /**
     * The resource with the smallest current share, or null when none is left. Drops resources with nothing
     * unfrozen and re-keys a top entry whose share has risen since it was pushed, until the top is current.
     */
    Resource peekValid() {
        while (size > 0) {
            Resource top = resources[0];
            if (top.solverUnfrozen == 0) {
                pop();
                continue;
            }
            double current = currentShare(top);
            if (current <= keys[0]) {
                keys[0] = current;   // equal up to rounding; keep the exact value the caller freezes at
                return top;
            }
            pop();
            push(current, top);
        }
        return null;
    }

    static double currentShare(Resource r) {
        return Math.max(0, r.solverRemaining) / r.solverUnfrozen;
    }

    /** The share of the top entry; valid after {@link #peekValid} returned a resource. */
    double topShare() {
        return keys[0];
    }

    void pop() {
        int last = --size;
        double key = keys[last];
        Resource r = resources[last];
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
            i = child;
        }
        if (size > 0) {
            keys[i] = key;
            resources[i] = r;
        }
    }
}
