package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Type-7 quantiles (R's default, NumPy's "linear") on arrays small enough to check by hand. */
class LatencySummaryTest {

    @Test
    void fourValues() {
        // sorted 1, 2, 3, 4 (given unsorted); n−1 = 3
        double[] in = {4, 1, 3, 2};
        LatencySummary s = LatencySummary.of(in);
        assertEquals(4, s.count());
        assertEquals(2.5, s.mean(), 0);          // 10 / 4
        assertEquals(2.5, s.p50(), 1e-12);       // pos 0.5·3 = 1.5 → 2 + 0.5·(3−2)
        assertEquals(3.7, s.p90(), 1e-12);       // pos 0.9·3 = 2.7 → 3 + 0.7·(4−3)
        assertEquals(3.97, s.p99(), 1e-12);      // pos 0.99·3 = 2.97 → 3 + 0.97
        assertEquals(4.0, s.max(), 0);
        assertArrayEquals(new double[] {4, 1, 3, 2}, in, "input is not reordered");
    }

    @Test
    void elevenValues() {
        // 0, 10, 20, …, 100: n−1 = 10, so quantile q sits at position 10q → value 100q exactly
        double[] v = new double[11];
        for (int i = 0; i < 11; i++) {
            v[10 - i] = 10 * i;
        }
        LatencySummary s = LatencySummary.of(v);
        assertEquals(50.0, s.mean(), 1e-12);     // 550 / 11
        assertEquals(50.0, s.p50(), 1e-12);      // pos 5 → 50
        assertEquals(90.0, s.p90(), 1e-12);      // pos 9 → 90
        assertEquals(99.0, s.p99(), 1e-12);      // pos 9.9 → 90 + 0.9·10
        assertEquals(100.0, s.max(), 0);
    }

    @Test
    void singleValue() {
        LatencySummary s = LatencySummary.of(new double[] {7});
        assertEquals(1, s.count());
        assertEquals(7.0, s.p50(), 0);
        assertEquals(7.0, s.p99(), 0);
        assertEquals(7.0, s.max(), 0);
    }

    @Test
    void nanIgnored() {
        // NaN dropped → sample is 1, 3 (n−1 = 1): mean 2, p50 = 1 + 0.5·2 = 2, p90 = 1 + 0.9·2 = 2.8
        LatencySummary s = LatencySummary.of(new double[] {Double.NaN, 3, Double.NaN, 1});
        assertEquals(2, s.count());
        assertEquals(2.0, s.mean(), 0);
        assertEquals(2.0, s.p50(), 1e-12);
        assertEquals(2.8, s.p90(), 1e-12);
        assertEquals(3.0, s.max(), 0);
    }

    @Test
    void emptyAndAllNaNGiveNaN() {
        for (double[] in : new double[][] {{}, {Double.NaN, Double.NaN}}) {
            LatencySummary s = LatencySummary.of(in);
            assertEquals(0, s.count());
            assertTrue(Double.isNaN(s.mean()));
            assertTrue(Double.isNaN(s.p50()));
            assertTrue(Double.isNaN(s.p90()));
            assertTrue(Double.isNaN(s.p99()));
            assertTrue(Double.isNaN(s.max()));
        }
    }

    @Test
    void quantileEndpoints() {
        double[] sorted = {2, 4, 8};
        assertEquals(2.0, LatencySummary.quantile(sorted, 0), 0);
        assertEquals(8.0, LatencySummary.quantile(sorted, 1), 0);
        // pos 0.25·2 = 0.5 → 2 + 0.5·2 = 3; pos 0.75·2 = 1.5 → 4 + 0.5·4 = 6
        assertEquals(3.0, LatencySummary.quantile(sorted, 0.25), 1e-12);
        assertEquals(6.0, LatencySummary.quantile(sorted, 0.75), 1e-12);
    }

    @Test
    void tiesAndNegatives() {
        // sorted −1, 5, 5, 5, 9 (n−1 = 4): p50 pos 2 → 5; p90 pos 3.6 → 5 + 0.6·4 = 7.4
        LatencySummary s = LatencySummary.of(new double[] {5, 9, -1, 5, 5});
        assertEquals(5.0, s.p50(), 0);
        assertEquals(7.4, s.p90(), 1e-12);
        assertEquals(23.0 / 5, s.mean(), 1e-12); // (−1 + 15 + 9) / 5 = 4.6
    }
}
