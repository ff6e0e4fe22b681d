package io.xpusim.kernel;

/**
 * The simulation clock and event loop. Time is a long count of picoseconds since the start; events at
 * equal times fire in scheduling order. Single-threaded by design: one simulation, one thread.
 */
public final class Simulation {
    private final EventQueue queue = new EventQueue();
    private final EventQueue.Sink dispatcher = this::dispatch;
    private long now;
    private long eventsProcessed;
    private boolean stopRequested;
    private boolean discarded;

    public long now() {
        return now;
    }

    public long eventsProcessed() {
        return eventsProcessed;
    }

    public int pendingEvents() {
        return queue.size();
    }

    /** Schedules {@code handler.handle(arg)} at absolute time {@code timePicos} (not in the past). */
    public void scheduleAt(long timePicos, EventHandler handler, long arg) {
        if (timePicos < now) {
            throw new IllegalArgumentException("event scheduled in the past: " + timePicos + " < " + now);
        }
        queue.add(timePicos, handler, arg);
    }

    public void scheduleIn(long delayPicos, EventHandler handler, long arg) {
        if (delayPicos < 0) {
            throw new IllegalArgumentException("negative delay " + delayPicos);
        }
        long at = now + delayPicos;
        if (at < now) {
            throw new IllegalArgumentException("time overflow: delay " + delayPicos + " ps at " + now);
        }
        queue.add(at, handler, arg);
    }

    /** Asks {@link #run} to return after the current event. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * Runs events until none are left, the next one lies after {@code untilPicos}, {@code maxEvents} have
     * run, or {@code maxWallNanos} of wall time has passed (checked every 65,536 events).
     */
    public StopReason run(long untilPicos, long maxEvents, long maxWallNanos) {
        long wallStart = System.nanoTime();
        stopRequested = false;
        long budget = maxEvents;
        while (!queue.isEmpty()) {
            if (queue.peekTime() > untilPicos) {
                now = Math.max(now, untilPicos); // a horizon in the past never rewinds the clock
                return StopReason.TIME_LIMIT;
            }
            if (budget-- <= 0) {
                return StopReason.EVENT_LIMIT;
            }
            queue.poll(dispatcher);
            eventsProcessed++;
            if (stopRequested) {
                return StopReason.STOPPED;
            }
            if ((eventsProcessed & 0xFFFF) == 0 && System.nanoTime() - wallStart > maxWallNanos) {
                return StopReason.WALL_LIMIT;
            }
        }
        return StopReason.DRAINED;
    }

    public StopReason run() {
        return run(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * Tells the loop that the event being handled was cancelled (lazily): the clock goes back to the time
     * of the last real event, so a stale event never stretches the simulated time.
     */
    public void discardCurrentEvent() {
        discarded = true;
    }

    private void dispatch(long time, EventHandler handler, long arg) {
        long before = now;
        now = time;
        discarded = false;
        handler.handle(arg);
        if (discarded) {
            now = before;
        }
    }
}
