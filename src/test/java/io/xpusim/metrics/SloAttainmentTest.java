package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-request SLO attainment on a hand-built set of five requests. */
class SloAttainmentTest {
    private static final double NONE = Double.POSITIVE_INFINITY;

    private static RequestRecord done(long id, double arrival, double first, double finish, int output) {
        return new RequestRecord(id, arrival, first, finish, 100, output, 0, "replica0", null);
    }

    // times are binary fractions, so "exactly at the target" is exact. TTFT / TPOT / E2E (s):
    // 0: 0.125  / 0.125  / 1.25    (exactly at the TPOT target: attains)
    // 1: 0.5    / 0.0625 / 1.0625  (TTFT misses 0.25)
    // 2: 0.125  / 0.25   / 2.375   (TPOT misses 0.125)
    // 3: dropped
    // 4: 0.1875 / —      / 0.1875  (one output token: no TPOT, meets any TPOT target)
    private static final List<RequestRecord> FIVE = List.of(
            done(0, 0.0, 0.125, 1.25, 10),
            done(1, 2.0, 2.5, 3.0625, 10),
            done(2, 3.0, 3.125, 5.375, 10),
            new RequestRecord(3, 4.0, Double.NaN, Double.NaN, 9000, 10, 0, "replica1", "longer than the context limit: …"),
            done(4, 5.0, 5.1875, 5.1875, 1));

    @Test
    void aRequestAttainsOnlyWhenItMeetsEveryTarget() {
        assertEquals(0.125, FIVE.get(0).tpotSeconds());
        assertEquals(2 / 5.0, SloAttainment.fraction(FIVE, 0.25, 0.125, NONE), 1e-12, "requests 0 and 4");
        assertEquals(3 / 5.0, SloAttainment.fraction(FIVE, 0.25, NONE, NONE), 1e-12, "TTFT alone: 0, 2, 4");
        assertEquals(3 / 5.0, SloAttainment.fraction(FIVE, NONE, 0.125, NONE), 1e-12, "TPOT alone: 0, 1, 4");
        assertEquals(3 / 5.0, SloAttainment.fraction(FIVE, NONE, NONE, 1.25), 1e-12, "E2E alone: 0, 1, 4");
        assertEquals(1 / 5.0, SloAttainment.fraction(FIVE, 0.25, 0.125, 1.0), 1e-12, "all three: only 4");
        assertEquals(4 / 5.0, SloAttainment.fraction(FIVE, NONE, NONE, NONE), 1e-12, "no targets: every completed one");
    }

    @Test
    void droppedRequestsNeverAttainAndNoRequestsIsNaN() {
        assertEquals(false, SloAttainment.attains(FIVE.get(3), NONE, NONE, NONE));
        assertTrue(Double.isNaN(SloAttainment.fraction(List.of(), 1, 1, 1)));
    }
}
