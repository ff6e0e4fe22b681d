package io.xpusim.bench;

import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one activity departure + one arrival in {@link FairShareSolver} with {@code flows} (K)
 * concurrent flows, in steady state. It is a "hold" model for flows: K activities run; whenever one
 * completes, its completion callback starts a fresh activity on the same path, so K stay in flight.
 * One operation = one completion = finish (departure) + start (arrival), each with the rate
 * recomputation of its component, driven through the real {@link Simulation} loop (the only public way
 * to finish an activity). So each operation also includes the event-queue work the solver causes: the
 * completion event itself, any stale completion events (lazy cancellation) that recomputes scheduled and
 * that are later popped and ignored, any bookkeeping events of the solver, and the allocation of the new
 * {@link Activity} (the API has no way to reuse one). The {@code [solver]} line printed at the end of a
 * trial gives the events dispatched per operation.
 *
 * <p>Topologies:
 * <ul>
 *   <li>{@code SHARED}: every flow crosses one link: a single component of K flows (worst case for
 *       component-local recompute).</li>
 *   <li>{@code GROUPS}: K/10 disjoint links of 10 flows each: components of 10 flows, so the recompute
 *       should not grow with K.</li>
 *   <li>{@code SHARED_CAPPED}: as {@code SHARED}, but each flow is limited by its own {@code rateCap}
 *       (half its fair share, e.g. an endpoint slower than the link's share): progressive filling then
 *       freezes the capped flows one per pass.</li>
 *   <li>{@code FABRIC}: K/5 links, half "NIC out" and half "NIC in"; each flow goes from a random out to a
 *       random in (seeded), two hops. With ten flows per link the flows and links form one giant connected
 *       component, so every change recomputes nearly the whole fabric (10,000 flows on 2,000 links).</li>
 *   <li>{@code FABRIC_PODS}: the same links in pods of 20 (10 out, 10 in); flows stay inside their pod, so
 *       components hold about 100 flows whatever K is: what locality buys.</li>
 * </ul>
 * Work sizes are exponential (mean 1 MB) from a precomputed seeded table.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class FairShareSolverBenchmark {
    /** Completions (start+finish pairs) per benchmark invocation. */
    static final int PAIRS = 64;
    static final int GROUP_SIZE = 10;
    static final int WORK_TABLE = 1 << 14;
    static final int WORK_MASK = WORK_TABLE - 1;
    static final double MEAN_WORK_BYTES = 1e6;
    static final double LINK_BYTES_PER_SECOND = 50e9;
    static final String LABEL = "flow";

    @Param({"10", "100", "1000"})
    public int flows;

    @Param({"SHARED", "GROUPS", "SHARED_CAPPED"})
    public String topology;

    static final int FLOWS_PER_LINK = 5;
    static final int POD_LINKS = 20;

    Simulation sim;
    FairShareSolver solver;
    double[] works;
    int workCursor;
    long completions;
    long stopAt;
    long eventsAtStart;
    long completionsAtStart;
    int peakPending;

    /** Restarts a flow on its slot's path whenever the previous one completes. */
    final class Slot implements Activity.Completion {
        final Resource[] path;
        final double rateCap;

        Slot(Resource[] path, double rateCap) {
            this.path = path;
            this.rateCap = rateCap;
        }

        void launch() {
            solver.start(new Activity(LABEL, works[workCursor++ & WORK_MASK], path, rateCap, this));
        }

        @Override
        public void completed(Activity activity) {
            launch();
            if (++completions == stopAt) {
                int p = sim.pendingEvents();
                if (p > peakPending) {
                    peakPending = p;
                }
                sim.stop();
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        if (flows % GROUP_SIZE != 0) {
            throw new IllegalArgumentException("flows must be a multiple of " + GROUP_SIZE);
        }
        SplittableRandom random = new SplittableRandom(7);
        works = new double[WORK_TABLE];
        for (int i = 0; i < works.length; i++) {
            works[i] = 1 + -Math.log(1.0 - random.nextDouble()) * MEAN_WORK_BYTES;
        }
        sim = new Simulation();
        solver = new FairShareSolver(sim);
        Slot[] slots = new Slot[flows];
        switch (topology) {
            case "SHARED": {
                Resource[] path = {new Resource("link", LINK_BYTES_PER_SECOND)};
                for (int i = 0; i < flows; i++) {
                    slots[i] = new Slot(path, Double.POSITIVE_INFINITY);
                }
                break;
            }
            case "SHARED_CAPPED": {
                Resource[] path = {new Resource("link", LINK_BYTES_PER_SECOND)};
                double cap = 0.5 * LINK_BYTES_PER_SECOND / flows;
                for (int i = 0; i < flows; i++) {
                    slots[i] = new Slot(path, cap);
                }
                break;
            }
            case "GROUPS": {
                Resource[] path = null;
                for (int i = 0; i < flows; i++) {
                    if (i % GROUP_SIZE == 0) {
                        path = new Resource[] {new Resource("link" + i / GROUP_SIZE, LINK_BYTES_PER_SECOND)};
                    }
                    slots[i] = new Slot(path, Double.POSITIVE_INFINITY);
                }
                break;
            }
            case "FABRIC":
            case "FABRIC_PODS": {
                int links = flows / FLOWS_PER_LINK;
                int half = links / 2;
                Resource[] out = new Resource[half];
                Resource[] in = new Resource[half];
                for (int l = 0; l < half; l++) {
                    out[l] = new Resource("nic" + l + "/out", LINK_BYTES_PER_SECOND);
                    in[l] = new Resource("nic" + l + "/in", LINK_BYTES_PER_SECOND);
                }
                SplittableRandom pick = new SplittableRandom(11);
                int pod = POD_LINKS / 2;
                for (int i = 0; i < flows; i++) {
                    int a;
                    int b;
                    if (topology.equals("FABRIC")) {
                        a = pick.nextInt(half);
                        b = pick.nextInt(half);
                    } else {
                        int base = (i % (half / pod)) * pod;
                        a = base + pick.nextInt(pod);
                        b = base + pick.nextInt(pod);
                    }
                    slots[i] = new Slot(new Resource[] {out[a], in[b]}, Double.POSITIVE_INFINITY);
                }
                break;
            }
            default:
                throw new IllegalArgumentException("unknown topology " + topology);
        }
        // the initial flows start together, with one recompute (as a collective's would)
        Activity[] first = new Activity[flows];
        for (int i = 0; i < flows; i++) {
            first[i] = new Activity(LABEL, works[workCursor++ & WORK_MASK], slots[i].path, slots[i].rateCap, slots[i]);
        }
        solver.startAll(first);
        eventsAtStart = sim.eventsProcessed();
        completionsAtStart = completions;
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public long startFinishPair() {
        stopAt = completions + PAIRS;
        sim.run();
        return completions;
    }

    @TearDown(Level.Trial)
    public void report() {
        long pairs = completions - completionsAtStart;
        double eventsPerPair = (double) (sim.eventsProcessed() - eventsAtStart) / Math.max(1, pairs);
        System.out.printf("%n[solver] topology=%s flows=%d: %d pairs, %.1f events dispatched per pair"
                + " (the completion itself, stale completions, solver bookkeeping), %d events pending at the end,"
                + " peak seen at a stop %d%n",
                topology, flows, pairs, eventsPerPair, sim.pendingEvents(), peakPending);
        if (solver.activitiesStarted() - solver.activitiesFinished() != flows) {
            throw new IllegalStateException("flows in flight: "
                    + (solver.activitiesStarted() - solver.activitiesFinished()) + " != " + flows);
        }
    }
}
