package io.xpusim.kernel;

/** Why {@link Simulation#run} returned. Only {@code DRAINED} and {@code TIME_LIMIT} mean a complete run. */
public enum StopReason {
    /** No events left: everything that was going to happen has happened. */
    DRAINED,
    /** Simulated time reached the requested horizon. */
    TIME_LIMIT,
    /** The event budget ({@code --max-events}) ran out. */
    EVENT_LIMIT,
    /** The wall-clock budget ({@code --max-wall}) ran out. */
    WALL_LIMIT,
    /** A model component asked the simulation to stop. */
    STOPPED
}
