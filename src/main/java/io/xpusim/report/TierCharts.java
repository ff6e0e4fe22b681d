package io.xpusim.report;

import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.TierUsage;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYDataset;

/** Memory tiers: what each tier holds over time, and the bytes each class of link carried over the run. */
public final class TierCharts {
    private TierCharts() {
    }

    /** Writes tier_occupancy.png and link_bytes.png; returns their names. */
    public static List<String> write(Path dir, String scenario, MemoryTiers tiers, Map<String, Double> linkBytes)
            throws IOException {
        List<String> files = new ArrayList<>();
        files.add(occupancy(dir, scenario, tiers));
        files.add(linkBytes(dir, scenario, linkBytes));
        return files;
    }

    private static String occupancy(Path dir, String scenario, MemoryTiers tiers) throws IOException {
        DefaultXYDataset data = new DefaultXYDataset();
        double binSeconds = tiers.binPicos() / 1e12;
        StringBuilder capacities = new StringBuilder();
        for (TierUsage t : tiers.all()) {
            capacities.append(capacities.length() == 0 ? "capacity: " : ", ").append(t.name()).append(' ')
                    .append(gb(t.capacityBytes()));
            if (t.peakBytes() <= 0) {
                continue; // a tier nothing was placed in stays out of the plot (its capacity is in the subtitle)
            }
            int n = Math.max(1, t.bins());
            double[][] xy = new double[2][n];
            for (int b = 0; b < n; b++) {
                xy[0][b] = b * binSeconds;
                xy[1][b] = t.meanBytes(b) / 1e9;
            }
            data.addSeries(String.format(Locale.ROOT, "%s (peak %s of %s)", t.name(), gb(t.peakBytes()),
                    gb(t.capacityBytes())), xy);
        }
        NumberAxis y = new NumberAxis("bytes placed (GB)");
        y.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, new NumberAxis("simulated time (s)"), y, new XYLineAndShapeRenderer(true, false));
        JFreeChart chart = new JFreeChart("Memory occupancy per tier over time", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart, scenario + " — " + capacities + String.format(Locale.ROOT,
                " (time-weighted means over %.3g s bins)", binSeconds));
        String file = "tier_occupancy.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static String linkBytes(Path dir, String scenario, Map<String, Double> linkBytes) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double total = 0;
        double smallest = Double.POSITIVE_INFINITY;
        double largest = 0;
        List<String> idle = new ArrayList<>();
        for (Map.Entry<String, Double> e : linkBytes.entrySet()) {
            if (e.getValue() < 1) {
                idle.add(e.getKey()); // a log axis has no zero: idle classes are named in the subtitle instead
                continue;
            }
            data.addValue(e.getValue() / 1e9, "bytes", e.getKey());
            total += e.getValue();
            smallest = Math.min(smallest, e.getValue() / 1e9);
            largest = Math.max(largest, e.getValue() / 1e9);
        }
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, ChartStyle.PALETTE[0]);
        bars.setMaximumBarWidth(0.12);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2} GB",
                new java.text.DecimalFormat("#,##0.###", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT))));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        CategoryAxis x = new CategoryAxis("link class");
        LogAxis y = new LogAxis("bytes moved, both directions (GB, log scale)");
        y.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.###", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
        if (Double.isFinite(smallest)) {
            // whole decades from below the smallest bar to above the largest, so every bar and its label shows
            y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0)); // one tick per decade
            y.setRange(Math.pow(10, Math.floor(Math.log10(smallest)) - 1), Math.pow(10, Math.ceil(Math.log10(largest)) + 1));
        }
        Font label = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        x.setLabelFont(label);
        y.setLabelFont(label);
        CategoryPlot plot = new CategoryPlot(data, x, y, bars);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        plot.setOutlineVisible(false);
        JFreeChart chart = new JFreeChart("Bytes moved per link class", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        ChartStyle.apply(chart, scenario + " — " + gb(total) + " over all link directions, summed per technology"
                + (idle.isEmpty() ? "" : "; no traffic on " + String.join(", ", idle)));
        String file = "link_bytes.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static String gb(double bytes) {
        return bytes >= 1e12 ? String.format(Locale.ROOT, "%.3g TB", bytes / 1e12) : String.format(Locale.ROOT, "%.3g GB", bytes / 1e9);
    }
}
