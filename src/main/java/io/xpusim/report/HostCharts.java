package io.xpusim.report;

import io.xpusim.metrics.IterationPoint;
import io.xpusim.metrics.ServingRecorder;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYDataset;

/** CPU–GPU coupling charts of a serving run: how busy the devices and their host threads were over time. */
public final class HostCharts {
    private HostCharts() {
    }

    /**
     * {@code host_vs_device_busy.png}: device busy %, host-thread busy % (launches and serial overheads, one thread per
     * device) and, when any, the % of time the host computed offloaded attention and the % of time devices waited for
     * offloaded work, per time bin.
     */
    public static String busy(Path dir, String scenario, ServingRecorder rec) throws IOException {
        double[][] ts = rec.timeseries();
        int device = ServingRecorder.column("device_utilisation");
        int host = ServingRecorder.column("host_thread_utilisation");
        int stall = ServingRecorder.column("offload_stall_fraction");
        int attention = ServingRecorder.column("host_attention_fraction");
        double[][] d = new double[2][ts.length];
        double[][] a = new double[2][ts.length];
        double aSum = 0;
        double[][] h = new double[2][ts.length];
        double[][] w = new double[2][ts.length];
        double dSum = 0;
        double hSum = 0;
        double wSum = 0;
        for (int i = 0; i < ts.length; i++) {
            d[0][i] = h[0][i] = w[0][i] = a[0][i] = ts[i][0];
            a[1][i] = 100 * ts[i][attention];
            aSum += a[1][i];
            d[1][i] = 100 * ts[i][device];
            h[1][i] = 100 * ts[i][host];
            w[1][i] = 100 * ts[i][stall];
            dSum += d[1][i];
            hSum += h[1][i];
            wSum += w[1][i];
        }
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries("GPU busy (kernels)", d);
        data.addSeries("host threads busy (launch + framework + serial overheads)", h);
        if (aSum > 0) {
            data.addSeries("host CPU computing offloaded attention", a);
        }
        if (wSum > 0) {
            data.addSeries("GPU waiting for offloaded work", w);
        }
        NumberAxis y = new NumberAxis("busy time (% of bin)");
        y.setRange(0, 100);
        XYPlot plot = new XYPlot(data, new NumberAxis("simulated time (s)"), y, new XYLineAndShapeRenderer(true, false));
        JFreeChart chart = new JFreeChart("CPU vs GPU busy time", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        int n = Math.max(1, ts.length);
        ChartStyle.apply(chart, String.format(Locale.ROOT, "%s — mean GPU %.0f%%, host threads %.0f%%%s (%.3g s bins)",
                scenario, dSum / n, hSum / n, wSum > 0 ? String.format(Locale.ROOT, ", offload wait %.0f%%", wSum / n) : "",
                rec.binPicos() / 1e12));
        String file = "host_vs_device_busy.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    /**
     * {@code host_vs_gpu_per_iteration.png}: per node group, the host thread's launch time and the GPU's kernel time of
     * one prefill iteration against the batch size (both axes logarithmic); where they cross, a dashed line marks the
     * batch at which the group turns from CPU-bound to GPU-bound.
     */
    public static String crossover(Path dir, String scenario, String model, int promptTokens, List<IterationPoint> points,
                                   double[] crossovers) throws IOException {
        DefaultXYDataset data = new DefaultXYDataset();
        List<String> nodes = new ArrayList<>();
        for (int g = 0; g < crossovers.length; g++) {
            final int gi = g;
            List<IterationPoint> mine = points.stream().filter(p -> p.group() == gi).toList();
            if (mine.isEmpty()) {
                continue;
            }
            String node = mine.get(0).node();
            nodes.add(node);
            double[][] host = new double[2][mine.size()];
            double[][] gpu = new double[2][mine.size()];
            for (int i = 0; i < mine.size(); i++) {
                host[0][i] = gpu[0][i] = mine.get(i).batch();
                host[1][i] = 1e3 * mine.get(i).hostLaunchSeconds();
                gpu[1][i] = 1e3 * mine.get(i).deviceSeconds();
            }
            data.addSeries(node + ": GPU kernels", gpu);
            data.addSeries(node + ": host launches", host);
        }
        LogAxis x = new LogAxis("prompts in the prefill iteration (batch size)");
        x.setBase(2);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT));
        x.setNumberFormatOverride(java.text.NumberFormat.getIntegerInstance(Locale.ROOT));
        LogAxis y = new LogAxis("time per iteration (ms)");
        y.setBase(2);
        y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
        y.setNumberFormatOverride(new java.text.DecimalFormat("0.##", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart("Host launch time vs GPU time per prefill iteration", JFreeChart.DEFAULT_TITLE_FONT,
                plot, true);
        StringBuilder sub = new StringBuilder(String.format(Locale.ROOT, "%s — %s, %d-token prompts; crossover", scenario,
                model, promptTokens));
        for (int g = 0; g < crossovers.length && g < nodes.size(); g++) {
            sub.append(g == 0 ? " " : ", ").append(nodes.get(g)).append(Double.isNaN(crossovers[g]) ? " none in range"
                    : String.format(Locale.ROOT, " ≈ %.1f", crossovers[g]));
        }
        ChartStyle.apply(chart, sub.toString());
        for (int g = 0; g < nodes.size(); g++) {
            Color c = ChartStyle.PALETTE[g % ChartStyle.PALETTE.length];
            renderer.setSeriesPaint(2 * g, c);
            renderer.setSeriesPaint(2 * g + 1, c);
            renderer.setSeriesStroke(2 * g, new BasicStroke(2.0f));
            renderer.setSeriesStroke(2 * g + 1, new BasicStroke(2.0f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
            if (!Double.isNaN(crossovers[g])) {
                ValueMarker m = new ValueMarker(crossovers[g], c, new BasicStroke(1.2f, BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f));
                m.setLabel(String.format(Locale.ROOT, "%s GPU-bound from ≈ %.1f", nodes.get(g), crossovers[g]));
                m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                m.setLabelPaint(c);
                m.setLabelAnchor(g % 2 == 0 ? RectangleAnchor.TOP_RIGHT : RectangleAnchor.BOTTOM_RIGHT);
                m.setLabelTextAnchor(g % 2 == 0 ? TextAnchor.TOP_LEFT : TextAnchor.BOTTOM_LEFT);
                plot.addDomainMarker(m);
            }
        }
        String file = "host_vs_gpu_per_iteration.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }
}
