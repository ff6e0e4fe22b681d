package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void theTargetLineIsDrawnWhenEveryPointBeatsIt(@TempDir Path dir) throws Exception {
        // goodputs 20–40 against a target of 15: the axis must reach down to the line, or it and its label vanish
        ChartStyle.svgToo(true);
        try {
            ParetoChart.write(dir, "p.png", "t", "s", new ParetoChart.Objective("cost", new double[] {6, 12, 24}, false),
                    new ParetoChart.Objective("goodput", new double[] {20, 40, 39}, true), null, 15, "target 15/s");
        } finally {
            ChartStyle.svgToo(false);
        }
        assertTrue(Files.readString(dir.resolve("p.svg")).contains(">target 15/s<"), "the target's label is drawn");
    }
}
