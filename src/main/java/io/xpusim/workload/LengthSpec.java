package io.xpusim.workload;

import org.apache.commons.math3.random.RandomGenerator;

/** A token-length distribution as configured; {@link #create} binds it to a random stream. */
public sealed interface LengthSpec {
    LengthDistribution create(RandomGenerator rng);

    /** Always the same length. */
    record Fixed(int tokens) implements LengthSpec {
        public LengthDistribution create(RandomGenerator rng) {
            return LengthDistribution.fixed(tokens);
        }
    }

    /** Uniform over [min, max]. */
    record Uniform(int min, int max) implements LengthSpec {
        public LengthDistribution create(RandomGenerator rng) {
            return LengthDistribution.uniform(min, max, rng);
        }
    }

    /** Lognormal by mean and coefficient of variation, clamped to [min, max]. */
    record Lognormal(double mean, double cv, int min, int max) implements LengthSpec {
        public LengthDistribution create(RandomGenerator rng) {
            return LengthDistribution.lognormal(mean, cv, min, max, rng);
        }
    }

    /** Listed values with optional weights. */
    record Empirical(int[] values, double[] weights) implements LengthSpec {
        public LengthDistribution create(RandomGenerator rng) {
            return LengthDistribution.empirical(values, weights, rng);
        }
    }
}
