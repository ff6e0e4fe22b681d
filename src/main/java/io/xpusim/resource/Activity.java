package io.xpusim.resource;

import io.xpusim.kernel.EventHandler;

/**
 * A piece of work in progress — a kernel, a transfer, a copy — that consumes every one of its resources at
 * the same rate until its remaining work reaches zero. Its rate is set by the {@link FairShareSolver};
 * {@code rateCap} bounds it further (a flow limited by its own endpoint, a kernel's own speed limit).
 */
public final class Activity implements EventHandler {
    /** Called once when an activity has done all its work. */
    @FunctionalInterface
    public interface Completion {
        void completed(Activity activity);
    }

    private final String label;
    final Resource[] resources;
    private final double totalWork;
    final double rateCap;
    private final Completion completion;
    double remaining;
    double rate;
    long lastUpdatePicos;
    long version;
    boolean frozen;
    double previousRate;
    boolean completionPending;
    boolean running;
    FairShareSolver solver;
    int visitMark;

    /**
     * @param work      work units to do (bytes, or seconds of device time)
     * @param resources every resource it uses, each at the activity's rate
     * @param rateCap   an upper bound on its rate (work units per second), or infinity
     */
    public Activity(String label, double work, Resource[] resources, double rateCap, Completion completion) {
        if (!(work >= 0) || !Double.isFinite(work)) {
            throw new IllegalArgumentException("activity " + label + " needs finite non-negative work");
        }
        if (resources.length == 0 && !Double.isFinite(rateCap)) {
            throw new IllegalArgumentException("activity " + label + " has neither a resource nor a rate cap");
        }
        this.label = label;
        this.resources = resources.clone();
        this.totalWork = work;
        this.remaining = work;
        this.rateCap = rateCap;
        this.completion = completion;
    }

    public String label() {
        return label;
    }

    /** The resources it uses, in order. */
    public java.util.List<Resource> resources() {
        return java.util.List.of(resources);
    }

    public double totalWork() {
        return totalWork;
    }

    public double rate() {
        return rate;
    }

    public boolean isRunning() {
        return running;
    }

    /** Remaining work as of the last rate change (exact at completion and at every solver update). */
    public double remainingAtLastUpdate() {
        return remaining;
    }

    @Override
    public void handle(long eventVersion) {
        if (eventVersion == version && running) {
            solver.finish(this);
            completion.completed(this);
        } else {
            solver.discardStaleEvent();
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
