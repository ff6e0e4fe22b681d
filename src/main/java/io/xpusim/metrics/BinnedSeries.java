package io.xpusim.metrics;

import java.util.Arrays;

/**
 * A quantity over simulated time in fixed-width bins. Gauges are integrated over the intervals they
 * hold ({@link #addInterval}) and read back as time-weighted means; counters add amounts at instants
 * ({@link #addAt}) and read back as totals or rates per bin.
 */
public final class BinnedSeries {
    private final long binPicos;
    private double[] sums = new double[64];
    private int bins;

    public BinnedSeries(long binPicos) {
        if (binPicos <= 0) {
            throw new IllegalArgumentException("bin width must be positive");
        }
        this.binPicos = binPicos;
    }

    public long binPicos() {
        return binPicos;
    }

    /** Number of bins touched so far. */
    public int bins() {
        return bins;
    }

    /** Adds {@code value} held over [start, end) to the bins it overlaps. */
    public void addInterval(long startPicos, long endPicos, double value) {
        if (endPicos <= startPicos || value == 0) {
            ensure((int) (Math.max(startPicos, endPicos - 1) / binPicos));
            return;
        }
        long t = startPicos;
        while (t < endPicos) {
            int b = (int) (t / binPicos);
            long binEnd = (b + 1L) * binPicos;
            long until = Math.min(binEnd, endPicos);
            ensure(b);
            sums[b] += value * (until - t);
            t = until;
        }
    }

    /** Adds an amount at an instant. */
    public void addAt(long atPicos, double amount) {
        int b = (int) (atPicos / binPicos);
        ensure(b);
        sums[b] += amount;
    }

    /** Time-weighted mean of bin {@code b} (for gauges). */
    public double mean(int b) {
        return b < bins ? sums[b] / binPicos : 0;
    }

    /** Total of bin {@code b} (for counters). */
    public double total(int b) {
        return b < bins ? sums[b] : 0;
    }

    /** Counter total per second in bin {@code b}. */
    public double ratePerSecond(int b) {
        return total(b) / (binPicos / 1e12);
    }

    private void ensure(int b) {
        if (b >= sums.length) {
            sums = Arrays.copyOf(sums, Math.max(sums.length * 2, b + 1));
        }
        bins = Math.max(bins, b + 1);
    }
}
