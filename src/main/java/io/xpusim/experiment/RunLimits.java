package io.xpusim.experiment;

/**
 * Budgets that stop a runaway run cleanly: at most {@code maxEvents} events and {@code maxWallNanos} of
 * wall time. A run stopped by either writes its partial results marked {@code "complete": false}.
 */
public record RunLimits(long maxEvents, long maxWallNanos) {
    public static final RunLimits NONE = new RunLimits(Long.MAX_VALUE, Long.MAX_VALUE);
}
