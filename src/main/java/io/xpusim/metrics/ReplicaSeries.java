package io.xpusim.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-replica gauges over simulated time — device busy fraction, waiting and running requests — as time-weighted
 * sums in bins shared by all replicas. Memory stays bounded however long the run: when a series would pass
 * {@link #MAX_BINS} bins, every replica's bins merge pairwise and the bin width doubles (sums stay exact, so the
 * busy time a replica integrates to is unchanged).
 */
public final class ReplicaSeries {
    /** Bins kept per replica and metric before coarsening: 64 replicas × 3 metrics × 4,096 doubles ≈ 6 MB. */
    public static final int MAX_BINS = 4096;
    private static final int METRICS = 3;
    private static final int BUSY = 0;
    private static final int WAITING = 1;
    private static final int RUNNING = 2;

    private long binPicos;
    private final List<String> names = new ArrayList<>();
    private final List<double[][]> sums = new ArrayList<>();
    private int bins;

    public ReplicaSeries(long binPicos) {
        if (binPicos <= 0) {
            throw new IllegalArgumentException("bin width must be positive");
        }
        this.binPicos = binPicos;
    }

    /** Declares a replica; returns its index (replicas are numbered in the order they are added). */
    public int add(String name) {
        names.add(name);
        sums.add(new double[METRICS][Math.min(64, Math.max(1, bins))]);
        return names.size() - 1;
    }

    /** Replica {@code r} ran an iteration over [start, end), its devices busy for that fraction of it. */
    public void iteration(int r, long startPicos, long endPicos, double busyFraction, int waiting, int running) {
        if (endPicos <= startPicos) {
            return;
        }
        ensure(r, (int) ((endPicos - 1) / binPicos));
        double[][] s = sums.get(r);
        long t = startPicos;
        while (t < endPicos) {
            int b = (int) (t / binPicos);
            long until = Math.min((b + 1L) * binPicos, endPicos);
            double dt = until - t;
            s[BUSY][b] += busyFraction * dt;
            s[WAITING][b] += waiting * dt;
            s[RUNNING][b] += running * dt;
            t = until;
        }
    }

    private void ensure(int r, int b) {
        while (b >= MAX_BINS) {
            coarsen();
            b /= 2;
        }
        double[][] s = sums.get(r);
        if (b >= s[0].length) {
            int n = Math.min(MAX_BINS, Math.max(s[0].length * 2, b + 1));
            for (int m = 0; m < METRICS; m++) {
                s[m] = Arrays.copyOf(s[m], n);
            }
        }
        bins = Math.max(bins, b + 1);
    }

    private void coarsen() {
        for (double[][] s : sums) {
            for (int m = 0; m < METRICS; m++) {
                double[] a = s[m];
                double[] merged = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    merged[i / 2] += a[i];
                }
                s[m] = merged;
            }
        }
        binPicos *= 2;
        bins = (bins + 1) / 2;
    }

    public List<String> names() {
        return names;
    }

    public long binPicos() {
        return binPicos;
    }

    /** Bins touched so far (by any replica). */
    public int bins() {
        return bins;
    }

    /** Fraction of bin {@code b} that replica {@code r}'s devices were busy. */
    public double utilisation(int r, int b) {
        return mean(r, BUSY, b);
    }

    /** Time-weighted mean number of requests waiting at replica {@code r} in bin {@code b}. */
    public double waiting(int r, int b) {
        return mean(r, WAITING, b);
    }

    /** Time-weighted mean number of requests running on replica {@code r} in bin {@code b}. */
    public double running(int r, int b) {
        return mean(r, RUNNING, b);
    }

    private double mean(int r, int m, int b) {
        double[] a = sums.get(r)[m];
        return b < a.length ? a[b] / binPicos : 0;
    }

    public static final List<String> COLUMNS = List.of("time_s", "replica", "utilisation", "waiting", "running");
}
