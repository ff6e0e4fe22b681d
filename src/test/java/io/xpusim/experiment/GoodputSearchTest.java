package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bracket-then-bisect search on fake, monotone evaluators whose probe sequence can be checked by hand. */
class GoodputSearchTest {
    private static List<Double> rates(GoodputSearch.Result r) {
        return r.probes().stream().map(GoodputSearch.Probe::rate).toList();
    }

    private static GoodputSearch.Evaluator threshold(double capacity, List<Double> seen) {
        return rate -> {
            seen.add(rate);
            return GoodputSearch.Probe.of(rate, rate <= capacity);
        };
    }

    @Test
    void bracketsDownThenBisectsToTolerance() {
        // capacity 7.3: 10 misses, halve to 5 (met); bisect [5, 10]: 7.5 miss, 6.25 met, 6.875 met, 7.188 met
        // (7.1875 to 4 digits), 7.344 miss, 7.266 met; 7.344 / 7.266 = 1.011 ≤ 1.02, so stop at 7.266
        List<Double> seen = new ArrayList<>();
        GoodputSearch.Result r = GoodputSearch.search(threshold(7.3, seen), 10, 0.5, 100, 0.02, null);
        assertEquals(List.of(10.0, 5.0, 7.5, 6.25, 6.875, 7.188, 7.344, 7.266), rates(r));
        assertEquals(seen, rates(r));
        assertEquals(7.266, r.goodput());
        assertEquals("converged", r.outcome());
        assertTrue(r.goodput() <= 7.3 && 7.3 <= r.goodput() * 1.02);
    }

    @Test
    void bracketsUpByDoublingThenBisects() {
        // capacity 33: 4, 8, 16, 32 met, 64 misses; bisect [32, 64]: 48 miss, 40 miss, 36 miss, 34 miss, 33 met;
        // 34 / 33 = 1.03 > 1.02: 33.5 miss; 33.5 / 33 = 1.015, stop
        GoodputSearch.Result r = GoodputSearch.search(threshold(33, new ArrayList<>()), 4, 0.5, 100, 0.02, null);
        assertEquals(List.of(4.0, 8.0, 16.0, 32.0, 64.0, 48.0, 40.0, 36.0, 34.0, 33.0, 33.5), rates(r));
        assertEquals(33.0, r.goodput());
    }

    @Test
    void everyResultIsWithinToleranceOfTheTrueCapacity() {
        for (double capacity = 0.61; capacity < 99; capacity *= 1.37) {
            for (double tol : new double[] {0.01, 0.02, 0.1}) {
                GoodputSearch.Result r = GoodputSearch.search(threshold(capacity, new ArrayList<>()), 10, 0.5, 100, tol, null);
                assertTrue(r.goodput() <= capacity, capacity + " " + tol + " " + r.goodput());
                assertTrue(capacity <= r.goodput() * (1 + tol) * 1.001, capacity + " " + tol + " " + r.goodput());
                assertTrue(r.probes().size() <= 20, "probes " + r.probes().size());
            }
        }
    }

    @Test
    void stopsAtTheEndsOfTheRange() {
        GoodputSearch.Result high = GoodputSearch.search(threshold(1000, new ArrayList<>()), 10, 0.5, 100, 0.02, null);
        assertEquals("at-max", high.outcome());
        assertEquals(100.0, high.goodput());
        assertEquals(List.of(10.0, 20.0, 40.0, 80.0, 100.0), rates(high));
        GoodputSearch.Result low = GoodputSearch.search(threshold(0.1, new ArrayList<>()), 10, 0.5, 100, 0.02, null);
        assertEquals("below-min", low.outcome());
        assertEquals(0.0, low.goodput());
        assertEquals(List.of(10.0, 5.0, 2.5, 1.25, 0.625, 0.5), rates(low));
    }

    @Test
    void progressSeesEveryProbeInOrder() {
        List<Double> progress = new ArrayList<>();
        GoodputSearch.Result r = GoodputSearch.search(threshold(12, new ArrayList<>()), 10, 0.5, 100, 0.05,
                p -> progress.add(p.rate()));
        assertEquals(rates(r), progress);
    }
}
