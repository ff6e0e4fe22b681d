package io.xpusim.metrics;

/**
 * What happened to one request. Times are seconds from the start of the simulation; for a dropped
 * request the times are NaN and {@code dropReason} says why, as {@code "category: details"}.
 *
 * @param tpotSeconds mean time per output token after the first: (finish − first token) / (output − 1);
 *                    NaN for single-token outputs
 */
public record RequestRecord(long id, double arrivalSeconds, double firstTokenSeconds, double finishSeconds,
                            int inputTokens, int outputTokens, int preemptions, String replica, String dropReason) {
    public boolean completed() {
        return dropReason == null;
    }

    public double ttftSeconds() {
        return firstTokenSeconds - arrivalSeconds;
    }

    public double e2eSeconds() {
        return finishSeconds - arrivalSeconds;
    }

    public double tpotSeconds() {
        return outputTokens > 1 ? (finishSeconds - firstTokenSeconds) / (outputTokens - 1) : Double.NaN;
    }
}
