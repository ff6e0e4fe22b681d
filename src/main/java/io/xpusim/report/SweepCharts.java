package io.xpusim.report;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * A sweep's charts, chosen by its shape: for each swept parameter, the chart metrics against it (one panel per
 * metric, one line per combination of the other parameters, Student-t 95% error bars); with exactly two
 * parameters, a heat map per metric over the grid. The Pareto front is {@link ParetoChart}.
 */
public final class SweepCharts {
    /** Lines drawn per panel at most; the rest are named in the subtitle as left out. */
    static final int MAX_SERIES = 8;
    /** Parameters charted against at most (the first ones of the grid). */
    static final int MAX_PARAMETER_CHARTS = 3;
    private static final Color MISSING = new Color(0xdddddd);
    private static final Color[] RAMP = {new Color(0xf7fbff), new Color(0xc6dbef), new Color(0x6baed6),
        new Color(0x2171b5), new Color(0xfd8d3c), new Color(0xd62728)};
    private static final int STEPS = 40;

    private SweepCharts() {
    }

    /** Draws every chart the sweep calls for; returns the file names. */
    public static List<String> write(Path dir, SweepTable t, List<String> metrics) throws IOException {
        List<String> files = new ArrayList<>();
        if (metrics.isEmpty()) {
            return files;
        }
        for (int a = 0; a < Math.min(MAX_PARAMETER_CHARTS, t.parameters().size()); a++) {
            files.add(lines(dir, t, a, metrics));
        }
        if (t.parameters().size() == 2) {
            for (String m : metrics) {
                files.add(heatMap(dir, t, m));
            }
        }
        return files;
    }

    /** {@code sweep_<parameter>.png}: each metric against parameter {@code a}. */
    static String lines(Path dir, SweepTable t, int a, List<String> metrics) throws IOException {
        String path = t.parameters().get(a);
        ChartAxes.Parameter p = ChartAxes.parameter(path, axisValues(t, a));
        ValueAxis x;
        if (p.numeric()) {
            NumberAxis n = new NumberAxis(p.label());
            n.setAutoRangeIncludesZero(false);
            x = n;
        } else {
            SymbolAxis symbols = new SymbolAxis(p.label(), p.texts().toArray(String[]::new));
            symbols.setGridBandsVisible(false);
            x = symbols;
        }
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
        combined.setGap(10);
        int[] shown = {0, 0};
        for (String m : metrics) {
            combined.add(panel(t, a, p, m, shown), 1);
        }
        String others = shown[1] > shown[0] ? String.format(Locale.ROOT, "; %d of %d combinations of the other parameters "
                + "drawn", shown[0], shown[1]) : "";
        String names = String.join(", ", metrics.stream().map(m -> ChartAxes.metric(m).label()).toList());
        JFreeChart chart = new JFreeChart((names.length() <= 70 ? names : "Chart metrics") + " vs " + path,
                new Font(Font.SANS_SERIF, Font.BOLD, 16), combined, false);
        if (t.parameters().size() > 1) { // every panel has the same lines: one legend, from the first
            LegendTitle legend = new LegendTitle(combined.getSubplots().get(0).getRenderer());
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            chart.addLegend(legend);
        }
        ChartStyle.apply(chart, t.name() + " — mean over replications; bars: Student-t 95% interval" + others);
        ChartStyle.styleXY(combined);
        String file = "sweep_" + ChartAxes.slug(path) + ".png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static XYPlot panel(SweepTable t, int a, ChartAxes.Parameter p, String metric, int[] shown) {
        int k = t.metricIndex(metric);
        ChartAxes.Metric unit = ChartAxes.metric(metric);
        Map<String, List<double[]>> lines = new LinkedHashMap<>(); // per line: {x, mean, low, high}
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (SweepTable.Row r : t.rows()) {
            String key = otherValues(t, r, a);
            if (!lines.containsKey(key) && lines.size() >= MAX_SERIES) {
                continue;
            }
            List<double[]> line = lines.computeIfAbsent(key, x -> new ArrayList<>());
            double mean = k < 0 ? Double.NaN : r.mean()[k] * unit.scale();
            if (!r.fits() || Double.isNaN(mean)) {
                continue;
            }
            double low = Double.isNaN(r.low()[k]) ? mean : r.low()[k] * unit.scale();
            double high = Double.isNaN(r.high()[k]) ? mean : r.high()[k] * unit.scale();
            line.add(new double[] {p.positions()[p.texts().indexOf(r.values().get(a))], mean, low, high});
            if (mean > 0) {
                lo = Math.min(lo, mean);
            }
            hi = Math.max(hi, high);
        }
        shown[0] = lines.size();
        shown[1] = Math.max(shown[1], distinctOthers(t, a));
        boolean log = ChartAxes.spansDecades(lo, hi);
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Map.Entry<String, List<double[]>> e : lines.entrySet()) {
            YIntervalSeries s = new YIntervalSeries(e.getKey().isEmpty() ? "mean" : e.getKey(), false, true);
            for (double[] v : e.getValue()) {
                // a log axis cannot show a bound at or below zero: the bar then stops at the axis' floor
                s.add(v[0], v[1], log ? Math.max(v[2], lo / 2) : v[2], v[3]);
            }
            data.addSeries(s);
        }
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDefaultLinesVisible(true);
        renderer.setDefaultShapesVisible(true);
        renderer.setDrawXError(false);
        renderer.setCapLength(6);
        renderer.setAutoPopulateSeriesShape(false);
        java.awt.Shape[] shapes = DefaultDrawingSupplier.createStandardSeriesShapes();
        for (int i = 0; i < MAX_SERIES; i++) {
            renderer.setSeriesShape(i, shapes[i % shapes.length]);
        }
        XYPlot plot = new XYPlot(data, new NumberAxis(), ChartAxes.valueAxis(unit.label(), lo, hi), renderer);
        ChartStyle.styleXY(plot);
        return plot;
    }

    private static int distinctOthers(SweepTable t, int a) {
        return (int) t.rows().stream().map(r -> otherValues(t, r, a)).distinct().count();
    }

    /** "path=value, …" of every parameter but {@code a}: the line a row belongs to. */
    private static String otherValues(SweepTable t, SweepTable.Row r, int a) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.parameters().size(); i++) {
            if (i != a) {
                String path = t.parameters().get(i);
                b.append(b.length() == 0 ? "" : ", ").append(path.substring(path.lastIndexOf('.') + 1)).append('=')
                        .append(r.values().get(i));
            }
        }
        return b.toString();
    }

    /** The values of parameter {@code a} in grid order (first appearance over the rows). */
    static List<String> axisValues(SweepTable t, int a) {
        List<String> out = new ArrayList<>();
        for (SweepTable.Row r : t.rows()) {
            if (!out.contains(r.values().get(a))) {
                out.add(r.values().get(a));
            }
        }
        return out;
    }

    /** {@code heatmap_<metric>.png}: the metric over the two parameters' grid; points that did not run are grey. */
    static String heatMap(Path dir, SweepTable t, String metric) throws IOException {
        int k = t.metricIndex(metric);
        ChartAxes.Metric unit = ChartAxes.metric(metric);
        List<String> xs = axisValues(t, 0);
        List<String> ys = axisValues(t, 1);
        double[][] xyz = new double[3][t.rows().size()];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < t.rows().size(); i++) {
            SweepTable.Row r = t.rows().get(i);
            xyz[0][i] = xs.indexOf(r.values().get(0));
            xyz[1][i] = ys.indexOf(r.values().get(1));
            double v = r.fits() && k >= 0 ? r.mean()[k] * unit.scale() : Double.NaN;
            xyz[2][i] = v;
            if (!Double.isNaN(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (!(hi >= lo)) {
            lo = 0;
            hi = 1;
        }
        if (hi == lo) {
            hi = lo + Math.max(1e-9, Math.abs(lo) * 1e-6);
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(metric, xyz);
        XYBlockRenderer renderer = new XYBlockRenderer();
        boolean log = ChartAxes.spansDecades(lo, hi);
        LookupPaintScale paint = new LookupPaintScale(lo, hi * (1 + 1e-9) + 1e-12, MISSING);
        for (int i = 0; i < STEPS; i++) {
            double f = i / (double) STEPS;
            paint.add(log ? lo * Math.pow(hi / lo, f) : lo + f * (hi - lo), ramp(f));
        }
        renderer.setPaintScale(paint);
        SymbolAxis x = new SymbolAxis(t.parameters().get(0), xs.toArray(String[]::new));
        SymbolAxis y = new SymbolAxis(t.parameters().get(1), ys.toArray(String[]::new));
        x.setGridBandsVisible(false);
        y.setGridBandsVisible(false);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        if (xs.size() * ys.size() <= 150) {
            for (int i = 0; i < xyz[2].length; i++) {
                String label = Double.isNaN(xyz[2][i]) ? "—" : String.format(Locale.ROOT, "%.3g", xyz[2][i]);
                XYTextAnnotation a = new XYTextAnnotation(label, xyz[0][i], xyz[1][i]);
                a.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                plot.addAnnotation(a);
            }
        }
        JFreeChart chart = new JFreeChart(unit.label() + " over " + t.parameters().get(0) + " × " + t.parameters().get(1),
                new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, false);
        ChartStyle.apply(chart, t.name() + " — mean over replications; grey: the point did not run (see sweep.csv error)");
        plot.setBackgroundPaint(Color.WHITE);
        ValueAxis legendAxis = ChartAxes.valueAxis(unit.label(), lo, hi);
        legendAxis.setRange(lo, hi);
        if (legendAxis instanceof NumberAxis n) {
            n.setStandardTickUnits(NumberAxis.createStandardTickUnits(Locale.ROOT));
        }
        PaintScaleLegend legend = new PaintScaleLegend(paint, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        String file = "heatmap_" + ChartAxes.slug(metric) + ".png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    /** {@code pareto.png}: every point that ran, {@code max} (higher is better) against {@code min} (lower is better). */
    public static String pareto(Path dir, SweepTable t, String max, String min) throws IOException {
        int mx = t.metricIndex(max);
        int mn = t.metricIndex(min);
        int n = t.rows().size();
        double[] x = new double[n];
        double[] y = new double[n];
        String[] labels = new String[n];
        ChartAxes.Metric xm = ChartAxes.metric(max);
        ChartAxes.Metric ym = ChartAxes.metric(min);
        for (int i = 0; i < n; i++) {
            SweepTable.Row r = t.rows().get(i);
            x[i] = r.fits() ? r.mean()[mx] * xm.scale() : Double.NaN;
            y[i] = r.fits() ? r.mean()[mn] * ym.scale() : Double.NaN;
            labels[i] = otherValues(t, r, -1);
        }
        return ParetoChart.write(dir, "pareto.png", "Pareto front: " + xm.label() + " vs " + ym.label(),
                t.name() + " — one dot per point (mean over replications); red: no other point is better on both",
                new ParetoChart.Objective(xm.label(), x, true), new ParetoChart.Objective(ym.label(), y, false), labels);
    }

    /** The heat-map colour at fraction {@code f} of the scale: linear between the ramp's colours. */
    private static Color ramp(double f) {
        double pos = f * (RAMP.length - 1);
        int i = Math.min((int) pos, RAMP.length - 2);
        double w = pos - i;
        Color a = RAMP[i];
        Color b = RAMP[i + 1];
        return new Color((int) Math.round(a.getRed() + w * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + w * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + w * (b.getBlue() - a.getBlue())));
    }
}
