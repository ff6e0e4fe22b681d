package io.xpusim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event loop: clock advance, ordering and the ways {@link Simulation#run} can stop. */
class SimulationTest {

    @Test
    void drainsAndAdvancesClock() {
        Simulation sim = new Simulation();
        List<Long> times = new ArrayList<>();
        EventHandler h = arg -> times.add(arg);
        sim.scheduleAt(300, h, 300);
        sim.scheduleAt(100, h, 100);
        sim.scheduleAt(200, h, 200);
        assertEquals(StopReason.DRAINED, sim.run());
        assertEquals(List.of(100L, 200L, 300L), times);
        assertEquals(300, sim.now());
        assertEquals(3, sim.eventsProcessed());
        assertEquals(0, sim.pendingEvents());
    }

    @Test
    void clockEqualsEventTimeInsideHandler() {
        Simulation sim = new Simulation();
        long[] seen = new long[2];
        sim.scheduleAt(1_000, arg -> {
            seen[0] = sim.now();
            // scheduleIn is relative to now: 1000 + 500 = 1500
            sim.scheduleIn(500, a -> seen[1] = sim.now(), 0);
        }, 0);
        sim.run();
        assertEquals(1_000, seen[0]);
        assertEquals(1_500, seen[1]);
    }

    @Test
    void stopsAtTimeLimit() {
        Simulation sim = new Simulation();
        List<Long> fired = new ArrayList<>();
        for (long t = 10; t <= 50; t += 10) {
            sim.scheduleAt(t, fired::add, t);
        }
        // events at 10, 20, 30 are <= 30 and fire; 40 and 50 lie after the horizon
        assertEquals(StopReason.TIME_LIMIT, sim.run(30, Long.MAX_VALUE, Long.MAX_VALUE));
        assertEquals(List.of(10L, 20L, 30L), fired);
        assertEquals(30, sim.now(), "the clock is moved to the horizon");
        assertEquals(2, sim.pendingEvents());
        // resuming runs the rest
        assertEquals(StopReason.DRAINED, sim.run());
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L), fired);
    }

    /**
     * Simulated time must never run backwards. Simulation.run sets {@code now = untilPicos} on TIME_LIMIT
     * without comparing it with the current clock, so a horizon earlier than now rewinds the clock, after
     * which scheduleAt accepts events before ones that already fired. (Latent: today's callers pass
     * Long.MAX_VALUE.)
     */
    @Test
    void horizonInThePastDoesNotRewindTheClock() {
        Simulation sim = new Simulation();
        sim.scheduleAt(100, arg -> { }, 0);
        sim.run();
        sim.scheduleAt(200, arg -> { }, 0);
        sim.run(50, Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(100, sim.now());
        assertThrows(IllegalArgumentException.class, () -> sim.scheduleAt(60, arg -> { }, 0));
    }

    @Test
    void stopsAtEventLimit() {
        Simulation sim = new Simulation();
        int[] count = {0};
        for (int i = 0; i < 10; i++) {
            sim.scheduleAt(i, arg -> count[0]++, 0);
        }
        assertEquals(StopReason.EVENT_LIMIT, sim.run(Long.MAX_VALUE, 4, Long.MAX_VALUE));
        assertEquals(4, count[0]);
        assertEquals(4, sim.eventsProcessed());
        assertEquals(6, sim.pendingEvents());
        // the budget is per run call: four more
        assertEquals(StopReason.EVENT_LIMIT, sim.run(Long.MAX_VALUE, 4, Long.MAX_VALUE));
        assertEquals(8, count[0]);
    }

    @Test
    void stopRequestedByHandler() {
        Simulation sim = new Simulation();
        List<Long> fired = new ArrayList<>();
        sim.scheduleAt(1, fired::add, 1);
        sim.scheduleAt(2, arg -> {
            fired.add(arg);
            sim.stop();
        }, 2);
        sim.scheduleAt(3, fired::add, 3);
        assertEquals(StopReason.STOPPED, sim.run());
        assertEquals(List.of(1L, 2L), fired, "run returns right after the stopping event");
        assertEquals(2, sim.now());
        // a later run clears the stop request and continues
        assertEquals(StopReason.DRAINED, sim.run());
        assertEquals(List.of(1L, 2L, 3L), fired);
    }

    @Test
    void schedulingInThePastThrows() {
        Simulation sim = new Simulation();
        sim.scheduleAt(100, arg -> { }, 0);
        sim.run();
        assertEquals(100, sim.now());
        assertThrows(IllegalArgumentException.class, () -> sim.scheduleAt(99, arg -> { }, 0));
        assertThrows(IllegalArgumentException.class, () -> sim.scheduleIn(-1, arg -> { }, 0));
        // "now" itself is not the past
        sim.scheduleAt(100, arg -> { }, 0);
        assertEquals(1, sim.pendingEvents());
    }

    @Test
    void scheduleInOverflowThrows() {
        Simulation sim = new Simulation();
        sim.scheduleAt(10, arg -> { }, 0);
        sim.run();
        // 10 + Long.MAX_VALUE wraps negative
        assertThrows(IllegalArgumentException.class, () -> sim.scheduleIn(Long.MAX_VALUE, arg -> { }, 0));
    }

    @Test
    void simultaneousEventsScheduledFromHandlersKeepOrder() {
        Simulation sim = new Simulation();
        List<Long> order = new ArrayList<>();
        sim.scheduleAt(5, arg -> {
            order.add(arg);
            sim.scheduleIn(0, order::add, 3); // same time, scheduled later: fires after 2
        }, 1);
        sim.scheduleAt(5, order::add, 2);
        sim.run();
        assertEquals(List.of(1L, 2L, 3L), order);
    }
}
