package io.xpusim.metrics;

/**
 * Time between consecutive tokens of a request (TBT), over every token of a run, in a log-spaced histogram:
 * 100 bins per decade from 1 µs to 10,000 s (a bin spans 2.3%), plus a bin for gaps under 1 µs (tokens
 * emitted together, as speculative decoding does). Memory is fixed however many tokens a run has; a
 * percentile is read to within one bin and reported as the bin's geometric centre.
 */
public final class TokenGapHistogram {
    private static final int BINS_PER_DECADE = 100;
    private static final double MIN_SECONDS = 1e-6;
    private static final int DECADES = 10;
    private final long[] counts = new long[1 + BINS_PER_DECADE * DECADES];
    private long total;
    private double maxSeconds;

    public void add(double seconds) {
        int bin = seconds < MIN_SECONDS ? 0
                : 1 + (int) Math.min(counts.length - 2, Math.floor(Math.log10(seconds / MIN_SECONDS) * BINS_PER_DECADE));
        counts[bin]++;
        total++;
        maxSeconds = Math.max(maxSeconds, seconds);
    }

    public long count() {
        return total;
    }

    public double maxSeconds() {
        return maxSeconds;
    }

    /** The gap below which a fraction {@code q} of all gaps fall (NaN when empty). */
    public double percentile(double q) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (seen >= Math.max(1, rank)) {
                return b == 0 ? 0 : Math.min(maxSeconds, MIN_SECONDS * Math.pow(10, (b - 0.5) / BINS_PER_DECADE));
            }
        }
        return maxSeconds;
    }
}
