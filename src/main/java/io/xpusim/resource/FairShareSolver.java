package io.xpusim.resource;

import io.xpusim.kernel.Simulation;
import java.util.ArrayList;
import java.util.List;

/**
 * Assigns rates to running activities by max-min fairness (progressive filling): repeatedly find the
 * most constrained resource — the one whose remaining capacity divided by its unassigned activities is
 * smallest — and give each of those activities that share; an activity's own {@code rateCap} acts as a
 * private resource. Only the connected component (activities ↔ shared resources) touched by an arrival
 * or departure is recomputed, and only its activities get new completion events; stale completion events
 * are ignored through a version number (lazy cancellation).
 *
 * <p>Departures are coalesced: activities finishing at the same instant (all flows of a symmetric
 * collective) leave their resources at once and trigger one recomputation, in an event scheduled at the
 * same time after them. Between the departures and that event no simulated time passes.
 *
 * <p>Invariant: for every resource, Σ rates of its activities ≤ capacity (within rounding); every
 * activity with a positive share finishes.
 */
public final class FairShareSolver {
    private static final double PICOS = 1e12;
    private final Simulation sim;
    private final List<Activity> componentActivities = new ArrayList<>();
    private final List<Resource> componentResources = new ArrayList<>();
    private final List<Resource> stack = new ArrayList<>();
    private final List<Resource> dirty = new ArrayList<>();
    private final List<Activity> capped = new ArrayList<>();
    private final ShareHeap shares = new ShareHeap();
    private int nextCapped;
    private final io.xpusim.kernel.EventHandler settle = arg -> settleDepartures();
    private boolean settlePending;
    private SolverObserver observer;
    private int mark;
    private long started;
    private long finished;

    public FairShareSolver(Simulation sim) {
        this.sim = sim;
    }

    /** Attaches an observer (null detaches). */
    public void setObserver(SolverObserver observer) {
        this.observer = observer;
    }

    public long activitiesStarted() {
        return started;
    }

    public long activitiesFinished() {
        return finished;
    }

    /** Starts an activity now; its completion callback runs when its work is done. */
    public void start(Activity a) {
        if (enlist(a)) {
            recompute(a.resources);
        }
    }

    /**
     * Starts several activities at the same instant with one rate computation (a collective's flows):
     * cheaper than starting them one by one, and the same rates.
     */
    public void startAll(Activity[] activities) {
        int seeds = 0;
        for (Activity a : activities) {
            if (enlist(a)) {
                seeds += a.resources.length;
            }
        }
        Resource[] all = new Resource[seeds];
        int i = 0;
        for (Activity a : activities) {
            for (Resource r : a.resources) {
                all[i++] = r;
            }
        }
        if (seeds > 0) {
            recompute(all);
        }
    }

    /** Registers a started activity; returns whether it uses resources (and so needs a recompute). */
    private boolean enlist(Activity a) {
        if (a.running || a.solver != null) {
            throw new IllegalStateException("activity " + a.label() + " was already started");
        }
        a.solver = this;
        a.running = true;
        a.lastUpdatePicos = sim.now();
        started++;
        if (observer != null) {
            observer.activityStarted(a, sim.now());
        }
        for (Resource r : a.resources) {
            r.activities.add(a);
        }
        if (a.resources.length == 0) {
            a.rate = a.rateCap;
            scheduleCompletion(a);
            return false;
        }
        return true;
    }

    void finish(Activity a) {
        settle(a, sim.now());
        a.running = false;
        a.remaining = 0;
        finished++;
        if (observer != null) {
            observer.activityFinished(a, sim.now());
        }
        for (Resource r : a.resources) {
            r.activities.remove(a);
            dirty.add(r);
        }
        if (!dirty.isEmpty() && !settlePending) {
            settlePending = true;
            sim.scheduleIn(0, settle, 0);
        }
    }

    /** Recomputes, once, every component that activities left since the last settlement. */
    private void settleDepartures() {
        settlePending = false;
        if (dirty.isEmpty()) {
            return;
        }
        Resource[] seeds = dirty.toArray(new Resource[0]);
        dirty.clear();
        recompute(seeds);
    }

    private void recompute(Resource[] seeds) {
        long now = sim.now();
        collectComponent(seeds);
        if (settlePending) {
            // departures waiting for settlement in this component are settled by this recompute
            dirty.removeIf(r -> r.visitMark == mark);
        }
        for (Activity a : componentActivities) {
            settle(a, now);
            a.frozen = false;
            a.previousRate = a.rate;
        }
        for (Resource r : componentResources) {
            r.solverRemaining = r.capacityPerSecond();
            r.solverUnfrozen = r.activities.size();
        }
        // caps do not change during a recompute: sort the capped activities once and walk them in order
        capped.clear();
        for (Activity a : componentActivities) {
            if (a.rateCap < Double.POSITIVE_INFINITY) {
                capped.add(a);
            }
        }
        capped.sort((x, y) -> Double.compare(x.rateCap, y.rateCap));
        if (componentResources.size() <= SCAN_MAX_RESOURCES) {
            fillByScan();
        } else {
            fillByHeap();
        }
        for (Resource r : componentResources) {
            double sum = 0;
            for (Activity a : r.activities) {
                sum += a.rate;
            }
            r.setAllocatedRate(sum, now);
        }
        if (observer != null) {
            observer.ratesChanged(componentResources, now);
        }
        for (Activity a : componentActivities) {
            // an unchanged rate keeps its pending completion event: remaining/rate still ends at the same time
            // (a relative change below 1e-12, floating-point noise of the filling order, counts as unchanged)
            if (Math.abs(a.rate - a.previousRate) > 1e-12 * a.rate || !a.completionPending) {
                scheduleCompletion(a);
            }
        }
    }

    /** Components up to this many resources find their bottleneck by scanning; larger ones use a heap. */
    static final int SCAN_MAX_RESOURCES = 32;

    /**
     * Progressive filling by scanning every resource each pass: cheapest for small components. All resources
     * tied at the minimum share are settled in one pass: freezing at the minimum never pushes another
     * resource's share below it.
     */
    private void fillByScan() {
        nextCapped = 0;
        int unfrozen = componentActivities.size();
        while (unfrozen > 0) {
            double share = Double.POSITIVE_INFINITY;
            for (Resource r : componentResources) {
                if (r.solverUnfrozen > 0) {
                    share = Math.min(share, Math.max(0, r.solverRemaining) / r.solverUnfrozen);
                }
            }
            int cappedFrozen = freezeCapsBelow(share);
            if (cappedFrozen > 0) {
                unfrozen -= cappedFrozen;
                continue;
            }
            double tie = share * (1 + 1e-12);
            for (Resource r : componentResources) {
                if (r.solverUnfrozen > 0 && Math.max(0, r.solverRemaining) / r.solverUnfrozen <= tie) {
                    for (Activity a : r.activities) {
                        if (!a.frozen) {
                            freeze(a, share);
                            unfrozen--;
                        }
                    }
                }
            }
        }
    }

    /**
     * Progressive filling with resources in a lazy min-heap by fair share instead of a scan of all R resources
     * per pass. Freezing at the minimum never lowers another resource's share, so keys are lower bounds and the
     * heap re-keys only the entries that reach its top ({@link ShareHeap#peekValid}).
     */
    private void fillByHeap() {
        shares.clear();
        for (Resource r : componentResources) {
            if (r.solverUnfrozen > 0) {
                shares.push(ShareHeap.currentShare(r), r);
            }
        }
        nextCapped = 0;
        int unfrozen = componentActivities.size();
        while (unfrozen > 0) {
            Resource bottleneck = shares.peekValid();
            double share = bottleneck == null ? Double.POSITIVE_INFINITY : shares.topShare();
            int cappedFrozen = freezeCapsBelow(share);
            if (cappedFrozen > 0) {
                unfrozen -= cappedFrozen;
                continue;
            }
            shares.pop();
            for (Activity a : bottleneck.activities) {
                if (!a.frozen) {
                    freeze(a, share);
                    unfrozen--;
                }
            }
        }
    }

    private void freeze(Activity a, double rate) {
        a.frozen = true;
        a.rate = rate;
        for (Resource r : a.resources) {
            r.solverRemaining -= rate;
            r.solverUnfrozen--;
        }
    }

    /**
     * If the smallest cap of the activities not yet frozen is at or below {@code share}, freezes every activity
     * with that cap at it and returns how many; else 0. Caps are walked in sorted order ({@link #capped}).
     */
    private int freezeCapsBelow(double share) {
        while (nextCapped < capped.size() && capped.get(nextCapped).frozen) {
            nextCapped++;
        }
        if (nextCapped == capped.size() || capped.get(nextCapped).rateCap > share) {
            return 0;
        }
        double minCap = capped.get(nextCapped).rateCap;
        int frozen = 0;
        while (nextCapped < capped.size() && capped.get(nextCapped).rateCap == minCap) {
            Activity a = capped.get(nextCapped++);
            if (!a.frozen) {
                freeze(a, minCap);
                frozen++;
            }
        }
        return frozen;
    }

    private void settle(Activity a, long now) {
        if (now > a.lastUpdatePicos) {
            a.remaining = Math.max(0, a.remaining - a.rate * (now - a.lastUpdatePicos) / PICOS);
            a.lastUpdatePicos = now;
        }
    }

    void discardStaleEvent() {
        sim.discardCurrentEvent();
    }

    private void scheduleCompletion(Activity a) {
        a.version++;
        a.completionPending = a.rate > 0;
        if (a.rate <= 0) {
            return; // starved: no completion until some other activity leaves
        }
        // round up to whole picoseconds, but forgive floating-point residue of a thousandth of one
        double picos = Math.ceil(a.remaining / a.rate * PICOS - 1e-3);
        long delay = picos >= Long.MAX_VALUE / 2.0 ? Long.MAX_VALUE / 2 : (long) picos;
        sim.scheduleIn(delay, a, a.version);
    }

    /** Breadth-first walk over activities and the resources they share, starting from {@code seeds}. */
    private void collectComponent(Resource[] seeds) {
        mark++;
        componentActivities.clear();
        componentResources.clear();
        stack.clear();
        for (Resource r : seeds) {
            if (r.visitMark != mark) {
                r.visitMark = mark;
                stack.add(r);
            }
        }
        while (!stack.isEmpty()) {
            Resource r = stack.remove(stack.size() - 1);
            componentResources.add(r);
            for (Activity a : r.activities) {
                if (a.visitMark != mark) {
                    a.visitMark = mark;
                    componentActivities.add(a);
                    for (Resource other : a.resources) {
                        if (other.visitMark != mark) {
                            other.visitMark = mark;
                            stack.add(other);
                        }
                    }
                }
            }
        }
    }
}
