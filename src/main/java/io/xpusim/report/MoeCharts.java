package io.xpusim.report;

import io.xpusim.metrics.ExpertLoad;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYDataset;
import org.jfree.data.xy.XYBarDataset;

/** Charts of a mixture-of-experts serving run: tokens per expert, and where the iterations' time went. */
public final class MoeCharts {
    private MoeCharts() {
    }

    /** Replica records merged by role (the part of the name before its index: replica, prefill, decode). */
    public static Map<String, ExpertLoad> byRole(Map<String, ExpertLoad> perReplica) {
        Map<String, ExpertLoad> out = new LinkedHashMap<>();
        perReplica.forEach((name, load) -> {
            String role = name.replaceAll("[0-9]+$", "");
            out.computeIfAbsent(role, r -> new ExpertLoad(load.tokensPerExpert().length, load.tokensPerRank().length))
                    .merge(load);
        });
        return out;
    }

    /** Tokens each routed expert received over the run (all MoE layers and replicas), with the mean as a line. */
    public static String expertLoad(Path dir, String scenario, Map<String, ExpertLoad> perReplica) throws IOException {
        ExpertLoad all = null;
        for (ExpertLoad l : perReplica.values()) {
            if (all == null) {
                all = new ExpertLoad(l.tokensPerExpert().length, 1);
            }
            all.merge(l);
        }
        double[] t = all.tokensPerExpert();
        double[][] xy = new double[2][t.length];
        double mean = 0;
        for (int e = 0; e < t.length; e++) {
            xy[0][e] = e;
            xy[1][e] = t[e] / 1e6;
            mean += t[e] / 1e6 / t.length;
        }
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries("tokens per expert", xy);
        XYBarRenderer bars = new XYBarRenderer(0.1);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        XYPlot plot = new XYPlot(new XYBarDataset(data, 1.0), new NumberAxis("expert (index within a layer)"),
                new NumberAxis("tokens routed, summed over MoE layers (millions)"), bars);
        plot.setOrientation(PlotOrientation.VERTICAL);
        ValueMarker m = new ValueMarker(mean);
        m.setPaint(ChartStyle.PALETTE[1]);
        m.setStroke(new java.awt.BasicStroke(2f));
        m.setLabel(String.format(Locale.ROOT, "mean %.3g M", mean));
        m.setLabelFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 12));
        m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
        m.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(m);
        JFreeChart chart = new JFreeChart("Tokens per routed expert", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart, String.format(Locale.ROOT, "%s — load imbalance %.2f (max/mean tokens per expert, per "
                + "layer and iteration), %.2f per expert-parallel rank", scenario, all.expertImbalance(),
                all.rankImbalance()));
        plot.getDomainAxis().setRange(-0.5, t.length - 0.5);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT));
        String file = "expert_load.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    /**
     * Where the MoE iterations' time went, per replica role: routed-expert compute (mean rank), waiting for the
     * slowest rank, all-to-all not hidden behind computation, and the rest (attention, dense layers, host).
     */
    public static String timeShare(Path dir, String scenario, Map<String, ExpertLoad> perReplica) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, ExpertLoad> e : byRole(perReplica).entrySet()) {
            ExpertLoad l = e.getValue();
            double total = l.iterationSeconds();
            if (total <= 0) {
                continue;
            }
            double mean = l.expertCriticalSeconds() - l.expertStragglerSeconds();
            double rest = Math.max(0, total - l.expertCriticalSeconds() - l.allToAllExposedSeconds());
            data.addValue(100 * mean / total, "routed-expert compute (mean rank)", e.getKey());
            data.addValue(100 * l.expertStragglerSeconds() / total, "waiting for the slowest rank", e.getKey());
            data.addValue(100 * l.allToAllExposedSeconds() / total, "all-to-all not hidden", e.getKey());
            data.addValue(100 * rest / total, "attention, dense layers, host", e.getKey());
        }
        StackedBarRenderer r = new StackedBarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        for (int s = 0; s < 4; s++) {
            r.setSeriesPaint(s, ChartStyle.PALETTE[s]);
        }
        NumberAxis y = new NumberAxis("share of iteration time (%)");
        y.setRange(0, 100);
        y.setStandardTickUnits(NumberAxis.createStandardTickUnits(Locale.ROOT));
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("replica role"), y, r);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setRangeGridlinePaint(new java.awt.Color(0xdddddd));
        JFreeChart chart = new JFreeChart("Where MoE iteration time goes", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart, scenario + " — shares are approximate where parts overlap (two-batch overlap hides "
                + "all-to-all behind compute)");
        String file = "moe_time.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }
}
