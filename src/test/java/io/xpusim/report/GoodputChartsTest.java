package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The goodput charts draw their SLO lines even where every probe stays on one side of them. */
class GoodputChartsTest {
    @Test
    void sloLinesOutsideTheProbesRangeAreStillDrawn(@TempDir Path dir) throws Exception {
        // TPOT 25–96 ms against a 100 ms target (linear axis), TTFT 40 ms–30 s against 200 ms (log axis)
        double[] rates = {10, 15, 20};
        double[][] ttft = {{0.040, 0.050, 14}, {0.060, 0.100, 27}, {0.100, 0.600, 30}};
        double[][] tpot = {{0.025, 0.073, 0.085}, {0.030, 0.086, 0.088}, {0.033, 0.089, 0.096}};
        ChartStyle.svgToo(true);
        try {
            GoodputCharts.latency(dir, "s", rates, ttft, tpot, Map.of("ttft-p90", 0.2, "tpot-p90", 0.1), 15);
        } finally {
            ChartStyle.svgToo(false);
        }
        String svg = Files.readString(dir.resolve("latency_vs_load.svg"));
        assertTrue(svg.contains(">SLO tpot-p90 ≤ 100 ms<"), "the TPOT target is drawn");
        assertTrue(svg.contains(">SLO ttft-p90 ≤ 200 ms<"), "the TTFT target is drawn");
    }
}
