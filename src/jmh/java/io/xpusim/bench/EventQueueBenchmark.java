package io.xpusim.bench;

import io.xpusim.kernel.EventHandler;
import io.xpusim.kernel.EventQueue;
import io.xpusim.kernel.Simulation;
import io.xpusim.kernel.StopReason;
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
 * Steady-state schedule + dispatch throughput of the event kernel, in the classic "hold" model: the queue
 * always holds {@code pending} events; every dispatched event schedules exactly one new event at
 * {@code now + delay}, with delays drawn from a precomputed, seeded exponential table (no allocation and
 * no random-number generation inside the measured loop). One operation = one event (pop + push), so the
 * score is events per second.
 *
 * <ul>
 *   <li>{@link #simulationHold}: the full {@link Simulation#run} loop — budget and stop checks, dispatch
 *       through {@link EventQueue.Sink}, {@link EventHandler#handle}, {@link Simulation#scheduleIn}'s
 *       argument checks — with one handler class (a monomorphic call site: the best case).</li>
 *   <li>{@link #simulationHoldFourHandlerClasses}: the same, but events are spread over four handler
 *       classes, as in a real model (a megamorphic {@code handle} call site).</li>
 *   <li>{@link #eventQueueHold}: the bare 4-ary heap, {@code poll} + {@code add}.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventQueueBenchmark {
    /** Events per benchmark invocation; large enough that per-invocation overhead is negligible. */
    static final int BATCH = 1 << 14;
    /** Size of the precomputed delay table (a power of two, indexed with a mask). */
    static final int DELAY_TABLE = 1 << 16;
    static final int DELAY_MASK = DELAY_TABLE - 1;
    /** Mean delay between an event and the one it schedules: 1 µs in picoseconds. */
    static final double MEAN_DELAY_PICOS = 1e6;

    /** Exponentially distributed delays ≥ 1 ps from a fixed seed: the same table in every run. */
    static long[] delayTable(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] delays = new long[DELAY_TABLE];
        for (int i = 0; i < delays.length; i++) {
            delays[i] = 1 + (long) (-Math.log(1.0 - random.nextDouble()) * MEAN_DELAY_PICOS);
        }
        return delays;
    }

    /** Reschedules the event it receives at now + the next delay of the table. */
    static class Hold implements EventHandler {
        final Simulation sim;
        final long[] delays;
        int cursor;

        Hold(Simulation sim, long[] delays, int cursor) {
            this.sim = sim;
            this.delays = delays;
            this.cursor = cursor;
        }

        @Override
        public void handle(long arg) {
            sim.scheduleIn(delays[cursor++ & DELAY_MASK], this, arg);
        }
    }

    // Four distinct classes with the same behaviour, so that Simulation's call to handle() sees four
    // receiver types and cannot be inlined as a monomorphic or bimorphic call.
    static final class HoldA extends Hold {
        HoldA(Simulation sim, long[] delays, int cursor) {
            super(sim, delays, cursor);
        }
    }

    static final class HoldB extends Hold {
        HoldB(Simulation sim, long[] delays, int cursor) {
            super(sim, delays, cursor);
        }
    }

    static final class HoldC extends Hold {
        HoldC(Simulation sim, long[] delays, int cursor) {
            super(sim, delays, cursor);
        }
    }

    static final class HoldD extends Hold {
        HoldD(Simulation sim, long[] delays, int cursor) {
            super(sim, delays, cursor);
        }
    }

    @State(Scope.Thread)
    public static class SimulationHold {
        @Param({"1000", "100000"})
        public int pending;

        Simulation sim;

        @Setup(Level.Trial)
        public void setUp() {
            long[] delays = delayTable(42);
            sim = new Simulation();
            Hold hold = new Hold(sim, delays, 0);
            for (int i = 0; i < pending; i++) {
                sim.scheduleIn(delays[hold.cursor++ & DELAY_MASK], hold, i);
            }
        }

        @TearDown(Level.Trial)
        public void check() {
            if (sim.pendingEvents() != pending) {
                throw new IllegalStateException("hold model lost events: " + sim.pendingEvents() + " != " + pending);
            }
        }
    }

    @State(Scope.Thread)
    public static class SimulationHoldFourClasses {
        @Param({"1000", "100000"})
        public int pending;

        Simulation sim;

        @Setup(Level.Trial)
        public void setUp() {
            long[] delays = delayTable(42);
            sim = new Simulation();
            // each handler walks the table from its own offset, so the four are not in lockstep
            Hold[] holds = {
                new HoldA(sim, delays, 0),
                new HoldB(sim, delays, DELAY_TABLE / 4),
                new HoldC(sim, delays, DELAY_TABLE / 2),
                new HoldD(sim, delays, 3 * DELAY_TABLE / 4),
            };
            for (int i = 0; i < pending; i++) {
                Hold hold = holds[i & 3];
                sim.scheduleIn(delays[hold.cursor++ & DELAY_MASK], hold, i);
            }
        }

        @TearDown(Level.Trial)
        public void check() {
            if (sim.pendingEvents() != pending) {
                throw new IllegalStateException("hold model lost events: " + sim.pendingEvents() + " != " + pending);
            }
        }
    }

    /** A sink that keeps the last event's argument, as a dispatcher would read it. */
    static final class LastArgSink implements EventQueue.Sink {
        long lastArg;

        @Override
        public void accept(long time, EventHandler handler, long arg) {
            lastArg = arg;
        }
    }

    @State(Scope.Thread)
    public static class QueueHold {
        @Param({"1000", "100000"})
        public int pending;

        static final EventHandler NO_OP = arg -> { };

        EventQueue queue;
        LastArgSink sink;
        long[] delays;
        int cursor;

        @Setup(Level.Trial)
        public void setUp() {
            delays = delayTable(42);
            queue = new EventQueue();
            sink = new LastArgSink();
            for (int i = 0; i < pending; i++) {
                queue.add(delays[cursor++ & DELAY_MASK], NO_OP, i);
            }
        }

        @TearDown(Level.Trial)
        public void check() {
            if (queue.size() != pending) {
                throw new IllegalStateException("hold model lost events: " + queue.size() + " != " + pending);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public StopReason simulationHold(SimulationHold s) {
        return s.sim.run(Long.MAX_VALUE, BATCH, Long.MAX_VALUE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public StopReason simulationHoldFourHandlerClasses(SimulationHoldFourClasses s) {
        return s.sim.run(Long.MAX_VALUE, BATCH, Long.MAX_VALUE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long eventQueueHold(QueueHold s) {
        EventQueue queue = s.queue;
        LastArgSink sink = s.sink;
        long[] delays = s.delays;
        int cursor = s.cursor;
        long last = 0;
        for (int i = 0; i < BATCH; i++) {
            last = queue.poll(sink);
            queue.add(last + delays[cursor++ & DELAY_MASK], QueueHold.NO_OP, sink.lastArg);
        }
        s.cursor = cursor;
        return last;
    }
}
