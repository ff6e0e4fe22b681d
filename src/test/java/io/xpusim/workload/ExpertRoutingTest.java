package io.xpusim.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.kernel.RandomStreams;
import java.util.Arrays;
import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The synthetic router's probabilities and draws. */
class ExpertRoutingTest {
    private static RandomGenerator rng(String name) {
        return new RandomStreams(7).stream(name);
    }

    @Test
    void noSkewIsUniform() {
        ExpertRouting r = ExpertRouting.synthetic(3, 256, 8, 0, 0, rng("a"));
        for (double p : r.inclusion(2)) {
            assertEquals(8.0 / 256, p, 1e-15);
        }
    }

    @Test
    void zipfSharesAreCappedAtOneChoicePerToken() {
        // 8 experts top-2 with skew 2: weights 1, 1/4, 1/9, … — the hottest would get 2 · 1/1.527 = 1.31 > 1, so it is
        // capped at 1 and the other seven share the remaining 1 in proportion to their weights
        ExpertRouting r = ExpertRouting.synthetic(1, 8, 2, 2.0, 0, rng("b"));
        double[] pi = r.inclusion(0);
        assertEquals(2.0, Arrays.stream(pi).sum(), 1e-12);
        assertEquals(1.0, Arrays.stream(pi).max().orElseThrow(), 1e-15);
        double rest = 0;
        for (int k = 2; k <= 8; k++) {
            rest += 1.0 / (k * k);
        }
        double second = Arrays.stream(pi).filter(p -> p < 1).max().orElseThrow();
        assertEquals(0.25 / rest, second, 1e-12);
    }

    @Test
    void smallBatchesPickExactlyTopKDistinctExpertsPerToken() {
        ExpertRouting r = ExpertRouting.synthetic(1, 8, 2, 1.5, 0, rng("c"));
        java.util.random.RandomGenerator g = new java.util.SplittableRandom(1);
        double[] counts = new double[8];
        for (int i = 0; i < 200; i++) {
            r.draw(0, 1, g, counts);
            assertEquals(2.0, Arrays.stream(counts).sum(), 0);
            assertTrue(Arrays.stream(counts).allMatch(c -> c == 0 || c == 1), "two distinct experts per token");
        }
        // the mean over many tokens follows π: 100 batches of 200 tokens
        double[] mean = new double[8];
        for (int i = 0; i < 100; i++) {
            r.draw(0, 200, g, counts);
            for (int e = 0; e < 8; e++) {
                mean[e] += counts[e] / 100 / 200;
            }
        }
        double[] pi = r.inclusion(0);
        for (int e = 0; e < 8; e++) {
            assertEquals(pi[e], mean[e], 0.02);
        }
    }

    @Test
    void largeBatchesAssignExactlyTokensTimesK() {
        ExpertRouting r = ExpertRouting.synthetic(2, 256, 8, 1.0, 0, rng("d"));
        double[] counts = new double[256];
        r.draw(1, 16_384, new java.util.SplittableRandom(2), counts);
        assertEquals(16_384.0 * 8, Arrays.stream(counts).sum(), 1e-6);
        double[] pi = r.inclusion(1);
        for (int e = 0; e < 256; e++) {
            // binomial noise: within 5 standard deviations of 16,384 · π
            double sd = Math.sqrt(16_384 * pi[e] * (1 - pi[e]));
            assertEquals(16_384 * pi[e], counts[e], 5 * sd + 2);
        }
    }

    @Test
    void localityOneKeepsTheHotExpertsAcrossLayers() {
        ExpertRouting same = ExpertRouting.synthetic(4, 64, 4, 1.2, 1.0, rng("f"));
        ExpertRouting fresh = ExpertRouting.synthetic(4, 64, 4, 1.2, 0.0, rng("f"));
        assertArrayEquals(same.inclusion(0), same.inclusion(3), 0);
        assertFalse(Arrays.equals(fresh.inclusion(0), fresh.inclusion(3)));
    }

    @Test
    void sameStreamSameDraws() {
        ExpertRouting a = ExpertRouting.synthetic(2, 32, 4, 1.0, 0.5, rng("g"));
        ExpertRouting b = ExpertRouting.synthetic(2, 32, 4, 1.0, 0.5, rng("g"));
        double[] x = new double[32];
        double[] y = new double[32];
        a.draw(1, 1000, new java.util.SplittableRandom(3), x);
        b.draw(1, 1000, new java.util.SplittableRandom(3), y);
        assertArrayEquals(x, y, 0);
    }

    @Test
    void histogramsBecomeShares() {
        ExpertRouting r = ExpertRouting.fromHistogram(new double[][] {{30, 10, 0, 0}}, 1);
        assertArrayEquals(new double[] {0.75, 0.25, 0, 0}, r.inclusion(0), 1e-15);
    }
}
