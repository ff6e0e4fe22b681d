package io.xpusim.workload;

import org.apache.commons.math3.distribution.EnumeratedIntegerDistribution;
import org.apache.commons.math3.distribution.LogNormalDistribution;
import org.apache.commons.math3.random.RandomGenerator;

/** Token counts for prompts or outputs, always at least 1. */
public interface LengthDistribution {
    int sample();

    static LengthDistribution fixed(int tokens) {
        return () -> tokens;
    }

    /** Uniform over [min, max], both inclusive. */
    static LengthDistribution uniform(int min, int max, RandomGenerator rng) {
        return () -> min + rng.nextInt(max - min + 1);
    }

    /**
     * Lognormal with the given mean and coefficient of variation, rounded and clamped to [min, max]:
     * σ² = ln(1 + cv²), μ = ln(mean) − σ²/2.
     */
    static LengthDistribution lognormal(double mean, double cv, int min, int max, RandomGenerator rng) {
        double sigma2 = Math.log(1 + cv * cv);
        LogNormalDistribution d = new LogNormalDistribution(rng, Math.log(mean) - sigma2 / 2, Math.sqrt(sigma2),
                LogNormalDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY);
        return () -> (int) Math.max(min, Math.min(max, Math.round(d.sample())));
    }

    /** Draws from listed values with the given weights (equal weights when {@code weights} is null). */
    static LengthDistribution empirical(int[] values, double[] weights, RandomGenerator rng) {
        double[] w = weights;
        if (w == null) {
            w = new double[values.length];
            java.util.Arrays.fill(w, 1.0);
        }
        EnumeratedIntegerDistribution d = new EnumeratedIntegerDistribution(rng, values, w);
        return d::sample;
    }
}
