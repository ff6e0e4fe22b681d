package io.xpusim.metrics;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * The mean of independent replications with its two-sided Student-t interval: mean ± t(1 − α/2, n − 1) · s / √n,
 * s the sample standard deviation. NaN values (a metric a replication did not produce) are left out; with
 * fewer than two values the bounds are NaN (no spread to estimate).
 */
public record ConfidenceInterval(int n, double mean, double low, double high) {
    /** The 95% interval of {@code values}. */
    public static ConfidenceInterval of95(double[] values) {
        return of(values, 0.95);
    }

    public static ConfidenceInterval of(double[] values, double level) {
        int n = 0;
        double sum = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                n++;
                sum += v;
            }
        }
        if (n == 0) {
            return new ConfidenceInterval(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = sum / n;
        if (n == 1) {
            return new ConfidenceInterval(1, mean, Double.NaN, Double.NaN);
        }
        double squares = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                squares += (v - mean) * (v - mean);
            }
        }
        double sd = Math.sqrt(squares / (n - 1));
        // the distribution is only asked for a quantile, never sampled: no random generator is needed
        double t = new TDistribution(null, n - 1).inverseCumulativeProbability(1 - (1 - level) / 2);
        double half = t * sd / Math.sqrt(n);
        return new ConfidenceInterval(n, mean, mean - half, mean + half);
    }
}
