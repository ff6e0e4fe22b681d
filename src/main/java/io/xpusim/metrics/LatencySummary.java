package io.xpusim.metrics;

import java.util.Arrays;

/**
 * Mean and percentiles of a sample, computed exactly from all values (linear interpolation between
 * order statistics, the common "type 7" definition). NaN values are ignored; an empty sample gives NaN.
 */
public record LatencySummary(long count, double mean, double p50, double p90, double p99, double max) {

    public static LatencySummary of(double[] values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return new LatencySummary(v.length, sum / v.length, quantile(v, 0.5), quantile(v, 0.9), quantile(v, 0.99),
                v[v.length - 1]);
    }

    /** Quantile q of sorted values. */
    public static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
