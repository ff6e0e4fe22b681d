package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplicaSeriesTest {
    private static final long S = 1_000_000_000_000L;

    @Test
    void anIterationSpreadsOverTheBinsItSpans() {
        ReplicaSeries rs = new ReplicaSeries(S);
        int a = rs.add("a");
        int b = rs.add("b");
        // a: busy half of [0.5 s, 2.5 s) with 3 waiting and 2 running; b untouched
        rs.iteration(a, S / 2, 5 * S / 2, 0.5, 3, 2);
        assertEquals(3, rs.bins());
        assertEquals(0.25, rs.utilisation(a, 0), 1e-12);
        assertEquals(0.5, rs.utilisation(a, 1), 1e-12);
        assertEquals(0.25, rs.utilisation(a, 2), 1e-12);
        assertEquals(3.0, rs.waiting(a, 1), 1e-12);
        assertEquals(1.0, rs.running(a, 2), 1e-12);
        assertEquals(0, rs.utilisation(b, 1));
        assertEquals(0, rs.waiting(b, 7), "beyond the recorded bins reads as 0");
    }

    @Test
    void longRunsCoarsenTheBinsAndKeepTheSums() {
        ReplicaSeries rs = new ReplicaSeries(S);
        int a = rs.add("a");
        int b = rs.add("b");
        long end = 10_000 * S; // 10,000 one-second bins would pass the cap
        for (long t = 0; t < end; t += 3 * S) {
            rs.iteration(a, t, Math.min(end, t + 3 * S), 0.75, 1, 4);
        }
        rs.iteration(b, 0, S, 1.0, 0, 1);
        assertTrue(rs.bins() <= ReplicaSeries.MAX_BINS, "bins " + rs.bins());
        assertEquals(4 * S, rs.binPicos(), "doubled twice: 10,000 → 5,000 → 2,500 bins");
        double busyA = 0;
        double busyB = 0;
        double binSeconds = rs.binPicos() / 1e12;
        for (int i = 0; i < rs.bins(); i++) {
            busyA += rs.utilisation(a, i) * binSeconds;
            busyB += rs.utilisation(b, i) * binSeconds;
            assertEquals(4.0, rs.running(a, i), 1e-9);
        }
        assertEquals(0.75 * 10_000, busyA, 1e-6);
        assertEquals(1.0, busyB, 1e-12);
    }
}
