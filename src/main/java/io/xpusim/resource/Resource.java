package io.xpusim.resource;

import java.util.ArrayList;
import java.util.List;

/**
 * Something with a capacity in work units per second that concurrent activities share: one direction of
 * a link (bytes/s), a memory's bandwidth (bytes/s), a device's compute (seconds of work per second = 1).
 * It also integrates the work it has carried, which gives utilisation and byte conservation.
 */
public final class Resource {
    private final String name;
    private final double capacityPerSecond;
    final List<Activity> activities = new ArrayList<>();
    private double allocatedRate;
    private long lastChangePicos;
    private double workDone;
    private double peakRate;
    int visitMark;
    double solverRemaining;
    int solverUnfrozen;

    public Resource(String name, double capacityPerSecond) {
        if (!(capacityPerSecond > 0) || !Double.isFinite(capacityPerSecond)) {
            throw new IllegalArgumentException("resource " + name + " needs a positive finite capacity");
        }
        this.name = name;
        this.capacityPerSecond = capacityPerSecond;
    }

    public String name() {
        return name;
    }

    public double capacityPerSecond() {
        return capacityPerSecond;
    }

    /** Sum of the rates currently assigned to the activities using this resource. */
    public double allocatedRate() {
        return allocatedRate;
    }

    /** Highest allocated rate ever seen; never above capacity (checked as an invariant). */
    public double peakRate() {
        return peakRate;
    }

    public int activeCount() {
        return activities.size();
    }

    /** Work carried up to {@code nowPicos} (bytes for a link or memory). */
    public double workDone(long nowPicos) {
        return workDone + allocatedRate * (nowPicos - lastChangePicos) / 1e12;
    }

    /** Fraction of capacity used, averaged over [0, nowPicos]. */
    public double utilisation(long nowPicos) {
        return nowPicos <= 0 ? 0 : workDone(nowPicos) / (capacityPerSecond * nowPicos / 1e12);
    }

    void setAllocatedRate(double rate, long nowPicos) {
        workDone += allocatedRate * (nowPicos - lastChangePicos) / 1e12;
        lastChangePicos = nowPicos;
        allocatedRate = rate;
        peakRate = Math.max(peakRate, rate);
    }

    @Override
    public String toString() {
        return name;
    }
}
