package io.xpusim.report;

import io.xpusim.metrics.ExpertCacheStats;
import io.xpusim.metrics.ExpertCacheStats.Outcome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/** The chart of an expert-offloading run: how the routed experts' uses were served, per replica. */
public final class ExpertOffloadCharts {
    private ExpertOffloadCharts() {
    }

    private static final Map<Outcome, String> LABELS = Map.of(Outcome.HIT, "GPU cache hit", Outcome.PREFETCHED,
            "prefetched (correct prediction)", Outcome.FETCHED, "fetched on demand (stalls)", Outcome.CPU,
            "computed on the host CPU");

    /** Shares of expert accesses by outcome, one bar per replica; hit rate, stall and bytes moved in the subtitle. */
    public static String accesses(Path dir, String scenario, Map<String, ExpertCacheStats> perReplica) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        ExpertCacheStats all = new ExpertCacheStats();
        for (Map.Entry<String, ExpertCacheStats> e : perReplica.entrySet()) {
            ExpertCacheStats s = e.getValue();
            all.merge(s);
            double n = Math.max(1, s.accesses());
            for (Outcome o : Outcome.values()) {
                data.addValue(100 * s.count(o) / n, LABELS.get(o), e.getKey());
            }
        }
        StackedBarRenderer r = new StackedBarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        for (int s = 0; s < Outcome.values().length; s++) {
            r.setSeriesPaint(s, ChartStyle.PALETTE[s]);
        }
        NumberAxis y = new NumberAxis("share of routed-expert uses (%)");
        y.setRange(0, 100);
        y.setStandardTickUnits(NumberAxis.createStandardTickUnits(Locale.ROOT));
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("replica"), y, r);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setRangeGridlinePaint(new java.awt.Color(0xdddddd));
        JFreeChart chart = new JFreeChart("How routed experts were served (expert offloading)",
                JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart, String.format(Locale.ROOT, "%s — cache hit rate %.1f%%, layers stalled %.2f s, %.1f GB read "
                + "from the expert tier, %d of %d prefetches wrong", scenario, 100 * all.hitRate(), all.stallSeconds(),
                all.tierReadBytes() / 1e9, all.prefetchesWasted(), all.prefetchesIssued()));
        String file = "expert_offload.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }
}
