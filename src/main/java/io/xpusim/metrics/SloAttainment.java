package io.xpusim.metrics;

import java.util.List;

/**
 * Per-request SLO attainment (DistServe): the fraction of requests that complete within every latency
 * target. A target of +∞ is no target. Dropped requests never attain; a one-token output has no TPOT, so
 * it meets any TPOT target.
 */
public final class SloAttainment {
    private SloAttainment() {
    }

    /** Whether {@code r} completed with TTFT ≤ {@code ttftS}, TPOT ≤ {@code tpotS} and E2E ≤ {@code e2eS}. */
    public static boolean attains(RequestRecord r, double ttftS, double tpotS, double e2eS) {
        if (!r.completed()) {
            return false;
        }
        double tpot = r.tpotSeconds();
        return r.ttftSeconds() <= ttftS && (Double.isNaN(tpot) || tpot <= tpotS) && r.e2eSeconds() <= e2eS;
    }

    /** The fraction of {@code requests} (completed and dropped) that attain; NaN when there are none. */
    public static double fraction(List<RequestRecord> requests, double ttftS, double tpotS, double e2eS) {
        if (requests.isEmpty()) {
            return Double.NaN;
        }
        long n = 0;
        for (RequestRecord r : requests) {
            if (attains(r, ttftS, tpotS, e2eS)) {
                n++;
            }
        }
        return n / (double) requests.size();
    }
}
