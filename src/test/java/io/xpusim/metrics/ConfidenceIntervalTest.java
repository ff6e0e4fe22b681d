package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Student-t intervals against hand-computed cases (t quantiles from a table). */
class ConfidenceIntervalTest {
    @Test
    void threeValuesUseTheTwoDegreesOfFreedomQuantile() {
        // mean 2, s = 1, t(0.975, 2) = 4.302653: half-width 4.302653 / √3 = 2.484138
        ConfidenceInterval ci = ConfidenceInterval.of95(new double[] {1, 2, 3});
        assertEquals(3, ci.n());
        assertEquals(2.0, ci.mean(), 1e-12);
        assertEquals(2 - 2.484138, ci.low(), 1e-6);
        assertEquals(2 + 2.484138, ci.high(), 1e-6);
    }

    @Test
    void tenValuesAndTheNinetyPercentLevel() {
        // 0..9: mean 4.5, s = 3.027650, s/√10 = 0.957427; t(0.95, 9) = 1.833113: half-width 1.755072
        double[] v = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        ConfidenceInterval ci = ConfidenceInterval.of(v, 0.90);
        assertEquals(4.5 - 1.755072, ci.low(), 1e-5);
        assertEquals(4.5 + 1.755072, ci.high(), 1e-5);
    }

    @Test
    void nanValuesAreLeftOutAndOneValueHasNoInterval() {
        ConfidenceInterval one = ConfidenceInterval.of95(new double[] {Double.NaN, 7});
        assertEquals(1, one.n());
        assertEquals(7, one.mean());
        assertTrue(Double.isNaN(one.low()) && Double.isNaN(one.high()));
        ConfidenceInterval none = ConfidenceInterval.of95(new double[] {Double.NaN});
        assertTrue(Double.isNaN(none.mean()));
        ConfidenceInterval same = ConfidenceInterval.of95(new double[] {5, 5, 5, 5});
        assertEquals(5, same.low());
        assertEquals(5, same.high());
    }
}
