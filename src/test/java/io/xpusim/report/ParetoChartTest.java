package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Pareto front: points no other point beats on both objectives, ordered by the first. */
class ParetoChartTest {
    @Test
    void frontKeepsOnlyNonDominatedPoints() {
        // throughput (higher better) vs latency (lower better)
        double[] tput = {100, 200, 300, 250, 300, Double.NaN, 50};
        double[] lat = {1.0, 2.0, 5.0, 6.0, 4.0, 0.1, 1.0};
        List<Integer> front = ParetoChart.front(new ParetoChart.Objective("t", tput, true),
                new ParetoChart.Objective("l", lat, false));
        // 4 beats 2 (same throughput, lower latency), 3 is beaten by 4, 6 by 0, 5 has no throughput
        assertEquals(List.of(4, 1, 0), front);
    }

    @Test
    void costAgainstGoodputBothDirectionsFlipped() {
        double[] cost = {10, 20, 30, 15};
        double[] goodput = {5, 9, 9, 4};
        List<Integer> front = ParetoChart.front(new ParetoChart.Objective("cost", cost, false),
                new ParetoChart.Objective("goodput", goodput, true));
        assertEquals(List.of(0, 1), front);
    }
}
