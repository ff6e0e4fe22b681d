package io.xpusim.workload;

import org.apache.commons.math3.random.RandomGenerator;

/** An arrival process as configured. */
public sealed interface ArrivalSpec {
    ArrivalProcess create(RandomGenerator rng);

    /** Mean request rate per second. */
    double ratePerSecond();

    record Poisson(double ratePerSecond) implements ArrivalSpec {
        public ArrivalProcess create(RandomGenerator rng) {
            return ArrivalProcess.poisson(ratePerSecond, rng);
        }
    }

    /** Every request at time zero: a microbenchmark of one batch (needs a request count). */
    record Burst() implements ArrivalSpec {
        public ArrivalProcess create(RandomGenerator rng) {
            return () -> 0.0;
        }

        public double ratePerSecond() {
            return Double.POSITIVE_INFINITY;
        }
    }

    /** Gamma-distributed gaps: cv > 1 is burstier than Poisson. */
    record Gamma(double ratePerSecond, double cv) implements ArrivalSpec {
        public ArrivalProcess create(RandomGenerator rng) {
            return ArrivalProcess.gamma(ratePerSecond, cv, rng);
        }
    }
}
