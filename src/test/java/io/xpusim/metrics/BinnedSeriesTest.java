package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Gauges integrated over intervals that cross bin edges, and counters added at instants. */
class BinnedSeriesTest {
    private static final long BIN = 1_000; // 1000 ps bins keep the arithmetic readable

    @Test
    void intervalInsideOneBin() {
        BinnedSeries s = new BinnedSeries(BIN);
        s.addInterval(200, 700, 4.0); // 4 held for 500 of the bin's 1000 ps → mean 4 · 500 / 1000 = 2
        assertEquals(1, s.bins());
        assertEquals(2.0, s.mean(0), 0);
    }

    @Test
    void intervalSplitAcrossBins() {
        BinnedSeries s = new BinnedSeries(BIN);
        // value 3 over [500, 2500): bin0 gets 500 ps, bin1 all 1000 ps, bin2 500 ps
        s.addInterval(500, 2500, 3.0);
        assertEquals(3, s.bins());
        assertEquals(1.5, s.mean(0), 0); // 3 · 500 / 1000
        assertEquals(3.0, s.mean(1), 0); // 3 · 1000 / 1000
        assertEquals(1.5, s.mean(2), 0); // 3 · 500 / 1000
        assertEquals(0.0, s.mean(3), 0); // untouched bin
    }

    @Test
    void timeWeightedMeanOfSeveralIntervals() {
        BinnedSeries s = new BinnedSeries(BIN);
        // bin 0: 2 over [0, 250), 6 over [250, 1000) → (2·250 + 6·750) / 1000 = (500 + 4500) / 1000 = 5
        s.addInterval(0, 250, 2.0);
        s.addInterval(250, 1000, 6.0);
        assertEquals(5.0, s.mean(0), 1e-12);
        assertEquals(1, s.bins(), "[250, 1000) ends exactly at the bin edge: bin 1 untouched");
    }

    @Test
    void intervalEndingOnABinEdge() {
        BinnedSeries s = new BinnedSeries(BIN);
        s.addInterval(1000, 2000, 1.0); // exactly bin 1
        assertEquals(2, s.bins());
        assertEquals(0.0, s.mean(0), 0);
        assertEquals(1.0, s.mean(1), 0);
    }

    @Test
    void zeroValueOrEmptyIntervalOnlyTouches() {
        BinnedSeries s = new BinnedSeries(BIN);
        s.addInterval(0, 5500, 0.0); // a zero gauge still extends the series to bin 5 (5499 / 1000)
        assertEquals(6, s.bins());
        assertEquals(0.0, s.mean(5), 0);
        BinnedSeries t = new BinnedSeries(BIN);
        t.addInterval(3200, 3200, 9.0); // empty interval: touches bin 3, adds nothing
        assertEquals(4, t.bins());
        assertEquals(0.0, t.mean(3), 0);
    }

    @Test
    void countersAndRates() {
        BinnedSeries s = new BinnedSeries(1_000_000_000_000L); // 1 s bins
        s.addAt(0, 5);
        s.addAt(999_999_999_999L, 7);      // still bin 0
        s.addAt(1_000_000_000_000L, 1);    // first instant of bin 1
        s.addAt(2_500_000_000_000L, 10);   // bin 2
        assertEquals(3, s.bins());
        assertEquals(12.0, s.total(0), 0); // 5 + 7
        assertEquals(1.0, s.total(1), 0);
        assertEquals(10.0, s.total(2), 0);
        assertEquals(12.0, s.ratePerSecond(0), 0); // 12 per 1 s bin
        BinnedSeries half = new BinnedSeries(500_000_000_000L); // 0.5 s bins
        half.addAt(0, 3);
        assertEquals(6.0, half.ratePerSecond(0), 0); // 3 / 0.5 s
    }

    @Test
    void growsBeyondInitialCapacity() {
        BinnedSeries s = new BinnedSeries(BIN);
        s.addInterval(0, 200 * BIN, 1.0); // 200 bins > the initial 64
        assertEquals(200, s.bins());
        for (int b = 0; b < 200; b++) {
            assertEquals(1.0, s.mean(b), 0);
        }
        s.addAt(1000 * BIN, 2);
        assertEquals(1001, s.bins());
        assertEquals(2.0, s.total(1000), 0);
    }

    @Test
    void nonPositiveBinRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BinnedSeries(0));
        assertThrows(IllegalArgumentException.class, () -> new BinnedSeries(-1));
    }
}
