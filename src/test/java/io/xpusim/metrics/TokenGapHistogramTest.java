package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Percentiles of token gaps to within one 2.3% bin. */
class TokenGapHistogramTest {
    @Test
    void percentilesWithinOneBin() {
        TokenGapHistogram h = new TokenGapHistogram();
        // 1..1000 ms: the p50 is 500 ms, p90 900 ms, p99 990 ms
        for (int ms = 1; ms <= 1000; ms++) {
            h.add(ms / 1000.0);
        }
        assertEquals(1000, h.count());
        assertEquals(0.5, h.percentile(0.5), 0.5 * 0.024);
        assertEquals(0.9, h.percentile(0.9), 0.9 * 0.024);
        assertEquals(0.99, h.percentile(0.99), 0.99 * 0.024);
        assertEquals(1.0, h.maxSeconds(), 0);
        assertTrue(h.percentile(1.0) <= 1.0);
    }

    @Test
    void tokensEmittedTogetherHaveZeroGap() {
        TokenGapHistogram h = new TokenGapHistogram();
        h.add(0);
        h.add(0);
        h.add(0.05);
        assertEquals(0, h.percentile(0.5), 0);
        assertEquals(0.05, h.percentile(0.99), 0.05 * 0.024);
        assertTrue(Double.isNaN(new TokenGapHistogram().percentile(0.5)));
    }
}
