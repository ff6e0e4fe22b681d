package io.xpusim.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.kernel.RandomStreams;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

/**
 * Arrival processes and length distributions: sample statistics within stated multiples of their
 * standard error, with fixed seeds (so the outcome is reproducible).
 */
class SyntheticWorkloadTest {
    private static final int N = 20_000;

    private static RandomGenerator rng(long seed) {
        return new Well19937c(seed);
    }

    @Test
    void poissonMeanGap() {
        double rate = 10; // per s → mean gap 0.1 s
        ArrivalProcess p = ArrivalProcess.poisson(rate, rng(1));
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < N; i++) {
            double g = p.nextGapSeconds();
            assertTrue(g >= 0);
            sum += g;
            sumSq += g * g;
        }
        double mean = sum / N;
        // exponential: sd = mean = 0.1, so SE = 0.1 / sqrt(20000) = 7.07e-4; 3 SE = 2.12e-3
        double se = 0.1 / Math.sqrt(N);
        assertEquals(0.1, mean, 3 * se);
        // and its cv is 1: sample sd within 5% of the mean
        double sd = Math.sqrt(sumSq / N - mean * mean);
        assertEquals(1.0, sd / mean, 0.05);
    }

    @Test
    void gammaMeanAndCv() {
        double rate = 4;   // mean gap 0.25 s
        double cv = 2;     // shape 1/4, scale 1/(4 · 1/4) = 1: mean 0.25, sd 0.5
        ArrivalProcess p = ArrivalProcess.gamma(rate, cv, rng(2));
        int n = 100_000;   // gamma(1/4) is heavy-tailed (excess kurtosis 6/k = 24): more samples for a tight sd
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double g = p.nextGapSeconds();
            sum += g;
            sumSq += g * g;
        }
        double mean = sum / n;
        double sd = Math.sqrt(sumSq / n - mean * mean);
        // SE of the mean = sd / sqrt(n) = 0.5 / 316.2 = 1.58e-3; 3 SE = 4.7e-3
        assertEquals(0.25, mean, 3 * 0.5 / Math.sqrt(n));
        // sample cv within 5% of 2: [1.9, 2.1]
        assertEquals(2.0, sd / mean, 0.1);
    }

    @Test
    void gammaWithCvOneMatchesPoissonMean() {
        ArrivalProcess p = ArrivalProcess.gamma(10, 1, rng(3)); // shape 1 = exponential
        double sum = 0;
        for (int i = 0; i < N; i++) {
            sum += p.nextGapSeconds();
        }
        assertEquals(0.1, sum / N, 3 * 0.1 / Math.sqrt(N));
    }

    @Test
    void lognormalMeanWithinTolerance() {
        // mean 1000, cv 0.5 → sd 500, SE = 500 / sqrt(20000) = 3.54; clamping to [1, 1e6] is immaterial
        LengthDistribution d = LengthDistribution.lognormal(1000, 0.5, 1, 1_000_000, rng(4));
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < N; i++) {
            int x = d.sample();
            assertTrue(x >= 1);
            sum += x;
            sumSq += (double) x * x;
        }
        double mean = sum / N;
        assertEquals(1000, mean, 3 * 500 / Math.sqrt(N));
        double sd = Math.sqrt(sumSq / N - mean * mean);
        assertEquals(0.5, sd / mean, 0.05 * 0.5);
    }

    @Test
    void lognormalIsClampedToBounds() {
        // cv 2 around 1000: σ² = ln 5, μ = ln 1000 − ln5/2; P(X < 500) ≈ 0.54 and P(X > 1500) ≈ 0.17,
        // so both bounds are hit many times in 5000 draws
        LengthDistribution d = LengthDistribution.lognormal(1000, 2, 500, 1500, rng(5));
        int atMin = 0;
        int atMax = 0;
        for (int i = 0; i < 5000; i++) {
            int x = d.sample();
            assertTrue(x >= 500 && x <= 1500, "out of bounds: " + x);
            if (x == 500) {
                atMin++;
            }
            if (x == 1500) {
                atMax++;
            }
        }
        assertTrue(atMin > 2000, "min hit " + atMin);  // expect ≈ 0.54 · 5000 = 2700
        assertTrue(atMax > 500, "max hit " + atMax);   // expect ≈ 0.17 · 5000 = 850
    }

    @Test
    void uniformBoundsAreInclusive() {
        LengthDistribution d = LengthDistribution.uniform(3, 5, rng(6));
        int n = 30_000;
        int[] counts = new int[3];
        for (int i = 0; i < n; i++) {
            int x = d.sample();
            assertTrue(x >= 3 && x <= 5, "out of range: " + x);
            counts[x - 3]++;
        }
        // each of 3, 4, 5 with p = 1/3: expected 10,000, SE = sqrt(30000 · 1/3 · 2/3) = 81.6; 3 SE = 245
        for (int c : counts) {
            assertEquals(10_000, c, 3 * Math.sqrt(n * (1 / 3.0) * (2 / 3.0)));
        }
        LengthDistribution one = LengthDistribution.uniform(7, 7, rng(7));
        assertEquals(7, one.sample());
    }

    @Test
    void empiricalDrawsOnlyListedValues() {
        LengthDistribution d = LengthDistribution.empirical(new int[] {10, 20}, new double[] {3, 1}, rng(8));
        int tens = 0;
        for (int i = 0; i < N; i++) {
            int x = d.sample();
            assertTrue(x == 10 || x == 20);
            if (x == 10) {
                tens++;
            }
        }
        // p(10) = 3/4: expected 15,000, SE = sqrt(20000 · 0.75 · 0.25) = 61.2; 3 SE = 184
        assertEquals(15_000, tens, 3 * Math.sqrt(N * 0.75 * 0.25));
    }

    @Test
    void syntheticSourceAccumulatesGapsAndStops() {
        // constant 0.5 s gaps: arrivals at 0.5, 1.0, 1.5, … s
        SyntheticSource byCount = new SyntheticSource(() -> 0.5, LengthDistribution.fixed(100),
                LengthDistribution.fixed(7), 3, Long.MAX_VALUE);
        List<RequestSpec> rs = new ArrayList<>();
        for (RequestSpec r; (r = byCount.next()) != null; ) {
            rs.add(r);
        }
        assertEquals(3, rs.size());
        assertEquals(500_000_000_000L, rs.get(0).arrivalPicos());
        assertEquals(1_000_000_000_000L, rs.get(1).arrivalPicos());
        assertEquals(1_500_000_000_000L, rs.get(2).arrivalPicos());
        assertEquals(2, rs.get(2).id());
        assertEquals(100, rs.get(0).inputTokens());
        assertEquals(7, rs.get(0).outputTokens());

        // duration 1 s: 0.5 and 1.0 (inclusive) arrive, 1.5 ends the stream
        SyntheticSource byTime = new SyntheticSource(() -> 0.5, LengthDistribution.fixed(1),
                LengthDistribution.fixed(1), Long.MAX_VALUE, 1_000_000_000_000L);
        assertEquals(500_000_000_000L, byTime.next().arrivalPicos());
        assertEquals(1_000_000_000_000L, byTime.next().arrivalPicos());
        assertNull(byTime.next());
    }

    @Test
    void burstPutsEveryRequestAtZero() {
        ArrivalSpec burst = new ArrivalSpec.Burst();
        SyntheticSource s = new SyntheticSource(burst.create(rng(1)), LengthDistribution.fixed(1),
                LengthDistribution.fixed(1), 5, 0);
        int n = 0;
        for (RequestSpec r; (r = s.next()) != null; ) {
            assertEquals(0L, r.arrivalPicos());
            n++;
        }
        assertEquals(5, n);
        assertEquals(Double.POSITIVE_INFINITY, burst.ratePerSecond(), 0);
    }

    @Test
    void namedStreamsKeepArrivalsIndependentOfLengthSettings() {
        // two workloads differing only in the output-length distribution: arrivals and inputs are identical
        WorkloadSpec a = new WorkloadSpec.Synthetic(new ArrivalSpec.Poisson(5), new LengthSpec.Uniform(10, 1000),
                new LengthSpec.Fixed(50), 200, Long.MAX_VALUE);
        WorkloadSpec b = new WorkloadSpec.Synthetic(new ArrivalSpec.Poisson(5), new LengthSpec.Uniform(10, 1000),
                new LengthSpec.Lognormal(100, 1, 1, 4000), 200, Long.MAX_VALUE);
        RequestSource sa = a.open(new RandomStreams(99));
        RequestSource sb = b.open(new RandomStreams(99));
        for (int i = 0; i < 200; i++) {
            RequestSpec ra = sa.next();
            RequestSpec rb = sb.next();
            assertEquals(ra.arrivalPicos(), rb.arrivalPicos());
            assertEquals(ra.inputTokens(), rb.inputTokens());
            assertEquals(50, ra.outputTokens());
        }
        assertNull(sa.next());
        // the same spec and seed replays identically
        RequestSource again = a.open(new RandomStreams(99));
        RequestSource first = a.open(new RandomStreams(99));
        for (int i = 0; i < 200; i++) {
            RequestSpec x = again.next();
            RequestSpec y = first.next();
            assertEquals(x.arrivalPicos(), y.arrivalPicos());
            assertEquals(x.inputTokens(), y.inputTokens());
        }
    }
}
