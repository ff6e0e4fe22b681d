package io.xpusim.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYDataset;

/**
 * A scatter of configurations over two objectives with their Pareto front (the points no other point beats on
 * both) drawn as a line and labelled. Each axis says whether more or less is better.
 */
public final class ParetoChart {
    /** Front points labelled at most (the rest are still drawn). */
    static final int MAX_LABELS = 12;
    /** An axis goes logarithmic only beyond this span: a scatter reads best on linear axes. */
    static final double LOG_ABOVE = 200;

    /** One objective: its axis label, values (NaN: left out) and whether higher is better. */
    public record Objective(String label, double[] values, boolean higherIsBetter) {
    }

    private ParetoChart() {
    }

    /** Indices of the non-dominated points, ordered along the x objective (best x first). */
    public static List<Integer> front(Objective x, Objective y) {
        int n = x.values().length;
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!Double.isNaN(x.values()[i]) && !Double.isNaN(y.values()[i])) {
                idx.add(i);
            }
        }
        double sx = x.higherIsBetter() ? 1 : -1;
        double sy = y.higherIsBetter() ? 1 : -1;
        idx.sort(Comparator.<Integer>comparingDouble(i -> -sx * x.values()[i]).thenComparingDouble(i -> -sy * y.values()[i])
                .thenComparingInt(i -> i));
        List<Integer> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (int i : idx) {
            double v = sy * y.values()[i];
            if (v > best) {
                front.add(i);
                best = v;
            }
        }
        return front;
    }

    /** Writes {@code file}; {@code labels} name each point (null for none). */
    public static String write(Path dir, String file, String title, String subtitle, Objective x, Objective y,
                               String[] labels) throws IOException {
        return write(dir, file, title, subtitle, x, y, labels, Double.NaN, null);
    }

    /** As above, with a dashed horizontal line at {@code yMarker} (a target) labelled {@code markerLabel}. */
    public static String write(Path dir, String file, String title, String subtitle, Objective x, Objective y,
                               String[] labels, double yMarker, String markerLabel) throws IOException {
        List<Integer> front = front(x, y);
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries("Pareto front (" + front.size() + ")", new double[][] {pick(x.values(), front), pick(y.values(), front)});
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < x.values().length; i++) {
            if (!front.contains(i) && !Double.isNaN(x.values()[i]) && !Double.isNaN(y.values()[i])) {
                rest.add(i);
            }
        }
        data.addSeries("dominated (" + rest.size() + ")", new double[][] {pick(x.values(), rest), pick(y.values(), rest)});
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setSeriesLinesVisible(0, true);
        renderer.setSeriesLinesVisible(1, false);
        ValueAxis xa = ChartAxes.valueAxis(x.label() + (x.higherIsBetter() ? "  → better" : "  ← better"),
                positiveMin(x.values()), max(x.values()), LOG_ABOVE);
        // the axis reaches the target line too, or a plan whose every configuration beats the target hides it
        boolean marked = !Double.isNaN(yMarker) && yMarker > 0;
        ValueAxis ya = ChartAxes.valueAxis(y.label() + (y.higherIsBetter() ? "  ↑ better" : "  ↓ better"),
                marked ? Math.min(yMarker, positiveMin(y.values())) : positiveMin(y.values()),
                marked ? Math.max(yMarker, max(y.values())) : max(y.values()), LOG_ABOVE);
        XYPlot plot = new XYPlot(data, xa, ya, renderer);
        if (marked) {
            ChartAxes.reach(ya, yMarker);
        }
        if (labels != null) {
            double middle = (positiveMin(x.values()) + max(x.values())) / 2;
            for (int j = 0; j < Math.min(MAX_LABELS, front.size()); j++) {
                int i = front.get(j);
                boolean right = x.values()[i] > middle; // labels lean inwards, so none runs off the plot
                XYTextAnnotation a = new XYTextAnnotation(right ? labels[i] + "  " : "  " + labels[i], x.values()[i],
                        y.values()[i]);
                a.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                a.setTextAnchor(right ? TextAnchor.BOTTOM_RIGHT : TextAnchor.BOTTOM_LEFT);
                plot.addAnnotation(a);
            }
        }
        if (!Double.isNaN(yMarker)) {
            ValueMarker m = new ValueMarker(yMarker, new Color(0x555555), new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            m.setLabel(markerLabel);
            m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
            m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
            plot.addRangeMarker(m);
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        ChartStyle.apply(chart, subtitle);
        renderer.setSeriesPaint(0, new Color(0xd62728));
        renderer.setSeriesPaint(1, new Color(0x9aa5b1));
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static double positiveMin(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double d : v) {
            if (d > 0) {
                m = Math.min(m, d);
            }
        }
        return m;
    }

    private static double max(double[] v) {
        double m = 0;
        for (double d : v) {
            if (!Double.isNaN(d)) {
                m = Math.max(m, d);
            }
        }
        return m;
    }

    private static double[] pick(double[] v, List<Integer> idx) {
        return idx.stream().mapToDouble(i -> v[i]).toArray();
    }
}
