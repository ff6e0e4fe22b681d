package io.xpusim.workload;

import org.apache.commons.math3.distribution.ExponentialDistribution;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.random.RandomGenerator;

/** Gaps between successive request arrivals. */
public interface ArrivalProcess {
    /** Seconds until the next arrival. */
    double nextGapSeconds();

    /** Poisson arrivals: exponential gaps with mean 1/rate. */
    static ArrivalProcess poisson(double ratePerSecond, RandomGenerator rng) {
        ExponentialDistribution d = new ExponentialDistribution(rng, 1.0 / ratePerSecond);
        return d::sample;
    }

    /**
     * Gamma-distributed gaps with mean 1/rate and coefficient of variation {@code cv}: cv = 1 is Poisson,
     * cv > 1 is bursty (shape k = 1/cv², scale = 1/(rate·k)).
     */
    static ArrivalProcess gamma(double ratePerSecond, double cv, RandomGenerator rng) {
        double shape = 1.0 / (cv * cv);
        GammaDistribution d = new GammaDistribution(rng, shape, 1.0 / (ratePerSecond * shape));
        return d::sample;
    }
}
