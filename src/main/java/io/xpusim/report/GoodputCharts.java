package io.xpusim.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYDataset;

/**
 * Charts of a goodput search: SLO attainment against arrival rate, and the latency–load curves (p50/p90/p99
 * TTFT and TPOT against rate), each with the SLO targets drawn and the goodput marked. Inputs are the probes
 * sorted by rate.
 */
public final class GoodputCharts {
    private static final Color TARGET = new Color(0x555555);
    private static final Color GOODPUT = new Color(0x2ca02c);
    private static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);

    private GoodputCharts() {
    }

    /** {@code attainment_vs_rate.png}: attainment (%) per probe rate, the target as a line, the goodput marked. */
    public static String attainment(Path dir, String scenario, double[] rates, double[] attainment, double target,
                                    double goodput) throws IOException {
        DefaultXYDataset data = new DefaultXYDataset();
        double[] pct = new double[attainment.length];
        for (int i = 0; i < pct.length; i++) {
            pct[i] = 100 * attainment[i];
        }
        data.addSeries("SLO attainment (probes)", new double[][] {rates, pct});
        NumberAxis x = new NumberAxis("arrival rate (requests/s)");
        NumberAxis y = new NumberAxis("requests meeting every per-request target (%)");
        y.setRange(0, 105);
        XYPlot plot = new XYPlot(data, x, y, new XYLineAndShapeRenderer(true, true));
        ChartStyle.styleXY(plot);
        plot.addRangeMarker(marker(100 * target, TARGET, String.format(Locale.ROOT, "target %.0f%%", 100 * target), false));
        if (goodput > 0) {
            plot.addDomainMarker(marker(goodput, GOODPUT, "goodput " + rate(goodput) + " req/s", true));
        }
        JFreeChart chart = new JFreeChart("SLO attainment vs arrival rate", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart, scenario + " — one simulation per probe, same seed; goodput = highest rate meeting the SLO");
        String file = "attainment_vs_rate.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    /**
     * {@code latency_vs_load.png}: two panels (TTFT, TPOT), p50/p90/p99 in ms against rate;
     * {@code targets} maps SLO keys ({@code ttft-p90}, {@code tpot}) to seconds and is drawn as dashed lines.
     */
    public static String latency(Path dir, String scenario, double[] rates, double[][] ttft, double[][] tpot,
                                 Map<String, Double> targets, double goodput) throws IOException {
        NumberAxis x = new NumberAxis("arrival rate (requests/s)");
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
        combined.setGap(12);
        combined.add(panel("TTFT (ms)", "TTFT", rates, ttft, targets, "ttft", goodput), 1);
        combined.add(panel("TPOT (ms)", "TPOT", rates, tpot, targets, "tpot", goodput), 1);
        JFreeChart chart = new JFreeChart("Latency vs load", JFreeChart.DEFAULT_TITLE_FONT, combined, true);
        ChartStyle.apply(chart, scenario + " — p50/p90/p99 per probe; dashed: SLO targets; green: goodput");
        ChartStyle.styleXY(combined);
        String file = "latency_vs_load.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static XYPlot panel(String axisLabel, String name, double[] rates, double[][] p, Map<String, Double> targets,
                                String metric, double goodput) {
        DefaultXYDataset data = new DefaultXYDataset();
        String[] labels = {"p50", "p90", "p99"};
        double lowest = Double.POSITIVE_INFINITY;
        for (int k = 0; k < 3; k++) {
            double[] ms = new double[rates.length];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = p[k][i] > 0 ? p[k][i] * 1e3 : Double.NaN;
                if (ms[i] > 0) {
                    lowest = Math.min(lowest, ms[i]);
                }
            }
            data.addSeries(name + " " + labels[k], new double[][] {rates, ms});
        }
        double highest = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> t : targets.entrySet()) {
            if (t.getKey().equals(metric) || t.getKey().startsWith(metric + "-")) {
                lowest = Math.min(lowest, t.getValue() * 1e3);
                highest = Math.max(highest, t.getValue() * 1e3);
            }
        }
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < rates.length; i++) {
                if (p[k][i] > 0) {
                    highest = Math.max(highest, p[k][i] * 1e3);
                }
            }
        }
        DecimalFormat plain = new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));
        org.jfree.chart.axis.ValueAxis y;
        if (highest > 20 * lowest) { // overload stretches latency over decades: log scale, one tick per decade
            LogAxis log = new LogAxis(axisLabel + ", log scale");
            log.setBase(10);
            log.setSmallestValue(1e-3);
            log.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0));
            log.setNumberFormatOverride(plain);
            y = log;
        } else {
            NumberAxis lin = new NumberAxis(axisLabel);
            lin.setAutoRangeIncludesZero(false);
            lin.setNumberFormatOverride(plain);
            y = lin;
        }
        XYPlot plot = new XYPlot(data, new NumberAxis(), y, new XYLineAndShapeRenderer(true, true)); // the combined plot replaces the domain axis
        ChartStyle.styleXY(plot, metric.equals("tpot") ? 3 : 0);
        y.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (Map.Entry<String, Double> t : targets.entrySet()) {
            if (t.getKey().equals(metric) || t.getKey().startsWith(metric + "-")) {
                double ms = t.getValue() * 1e3;
                ChartAxes.reach(y, ms);
                plot.addRangeMarker(marker(ms, TARGET, "SLO " + t.getKey() + " ≤ " + new DecimalFormat("0.###",
                        DecimalFormatSymbols.getInstance(Locale.ROOT)).format(ms) + " ms", false));
            }
        }
        if (goodput > 0) {
            plot.addDomainMarker(marker(goodput, GOODPUT, metric.equals("ttft") ? "goodput " + rate(goodput) + " req/s"
                    : null, true));
        }
        return plot;
    }

    private static ValueMarker marker(double value, Color colour, String label, boolean vertical) {
        ValueMarker m = new ValueMarker(value, colour, DASHED);
        if (label != null) {
            m.setLabel(label);
            m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            m.setLabelPaint(colour);
            if (vertical) {
                m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            } else {
                m.setLabelAnchor(RectangleAnchor.BOTTOM_LEFT);
                m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            }
        }
        return m;
    }

    private static String rate(double r) {
        return new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(r);
    }
}
