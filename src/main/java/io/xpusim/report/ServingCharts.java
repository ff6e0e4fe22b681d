package io.xpusim.report;

import io.xpusim.metrics.ReplicaSeries;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.DefaultXYDataset;
import org.jfree.data.xy.XYBarDataset;

/**
 * The charts of a serving run: latency CDFs, throughput and queues over time, KV-cache use, batch sizes, per-replica
 * utilisation and queues, and (disaggregated runs) KV transfer.
 */
public final class ServingCharts {
    private ServingCharts() {
    }

    /** A chart writer: draws one chart into the folder and returns its file name. */
    @FunctionalInterface
    private interface ChartJob {
        String draw() throws IOException;
    }

    /**
     * Writes every chart into {@code dir}; returns the file names written, always in the same order. The
     * charts are independent, so they render on all cores (rendering dominates a short run's wall time).
     */
    public static List<String> write(Path dir, String scenario, ServingRecorder rec) throws IOException {
        List<RequestRecord> done = rec.requests().stream().filter(RequestRecord::completed).toList();
        String sub = scenario + " — " + done.size() + " completed requests";
        double[][] ts = rec.timeseries();
        List<ChartJob> jobs = List.of(
                () -> cdf(dir, "ttft_cdf.png", "Time to first token (TTFT)", sub, done, RequestRecord::ttftSeconds),
                () -> cdf(dir, "tpot_cdf.png", "Time per output token (TPOT)", sub, done, RequestRecord::tpotSeconds),
                () -> cdf(dir, "e2e_cdf.png", "End-to-end request latency", sub, done, RequestRecord::e2eSeconds),
                () -> throughputAndQueues(dir, scenario, ts),
                () -> kvCache(dir, scenario, ts, rec.binPicos() / 1e12),
                () -> batchSizes(dir, scenario, rec.batchSizeCounts()),
                () -> perReplica(dir, "replica_utilisation.png", "Device utilisation per replica", scenario, rec.perReplica(),
                        true),
                () -> perReplica(dir, "replica_queues.png", "Waiting requests per replica", scenario, rec.perReplica(),
                        false));
        if (rec.disaggregated()) {
            jobs = new ArrayList<>(jobs);
            jobs.add(() -> kvTransfer(dir, scenario, ts, rec.binPicos() / 1e12));
        }
        if (!rec.expertLoads().isEmpty()) {
            jobs = new ArrayList<>(jobs);
            jobs.add(() -> MoeCharts.expertLoad(dir, scenario, rec.expertLoads()));
            jobs.add(() -> MoeCharts.timeShare(dir, scenario, rec.expertLoads()));
        }
        if (!rec.expertCaches().isEmpty()) {
            jobs.add(() -> ExpertOffloadCharts.accesses(dir, scenario, rec.expertCaches()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs.size(), Runtime.getRuntime().availableProcessors()));
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (ChartJob job : jobs) {
                futures.add(pool.submit(job::draw));
            }
            List<String> files = new ArrayList<>();
            for (Future<String> f : futures) {
                files.add(f.get());
            }
            return files;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while drawing charts", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("chart rendering failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String cdf(Path dir, String file, String title, String sub, List<RequestRecord> done,
                              ToDoubleFunction<RequestRecord> metric) throws IOException {
        double[] v = done.stream().mapToDouble(metric).filter(x -> !Double.isNaN(x)).sorted().toArray();
        // milliseconds read better for token latencies; seconds for whole requests
        boolean millis = v.length > 0 && v[v.length / 2] < 1.0;
        double scale = millis ? 1e3 : 1.0;
        int points = Math.min(v.length, 2000);
        double[][] xy = new double[2][points];
        for (int i = 0; i < points; i++) {
            int idx = points == v.length ? i : (int) ((long) i * (v.length - 1) / Math.max(1, points - 1));
            xy[0][i] = v[idx] * scale;
            xy[1][i] = 100.0 * (idx + 1) / v.length;
        }
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries(title.replaceFirst(" \\(.*", ""), xy);
        NumberAxis x = new NumberAxis(millis ? "latency (ms)" : "latency (s)");
        x.setAutoRangeIncludesZero(true);
        NumberAxis y = new NumberAxis("requests at or below (%)");
        y.setRange(0, 100);
        XYPlot plot = new XYPlot(data, x, y, new XYStepRenderer());
        JFreeChart chart = new JFreeChart(title + " — CDF", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        String stats = v.length == 0 ? "no samples" : String.format(Locale.ROOT, "p50 %.3g, p90 %.3g, p99 %.3g %s",
                q(v, 0.5) * scale, q(v, 0.9) * scale, q(v, 0.99) * scale, millis ? "ms" : "s");
        ChartStyle.apply(chart, sub + " — " + stats);
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static double q(double[] sorted, double p) {
        return io.xpusim.metrics.LatencySummary.quantile(sorted, p);
    }

    /** (time, value) pairs of one time-series column; time is column 0. */
    private static double[][] column(double[][] rows, int col) {
        double[][] xy = new double[2][rows.length];
        for (int i = 0; i < rows.length; i++) {
            xy[0][i] = rows[i][0];
            xy[1][i] = rows[i][col];
        }
        return xy;
    }

    private static String throughputAndQueues(Path dir, String scenario, double[][] ts) throws IOException {
        NumberAxis time = new NumberAxis("simulated time (s)");
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(time);
        DefaultXYDataset tput = new DefaultXYDataset();
        tput.addSeries("output tokens/s", column(ts, ServingRecorder.column("output_tokens_per_s")));
        XYPlot top = new XYPlot(tput, null, new NumberAxis("output tokens/s"), new XYLineAndShapeRenderer(true, false));
        DefaultXYDataset queues = new DefaultXYDataset();
        queues.addSeries("running requests", column(ts, ServingRecorder.column("running")));
        queues.addSeries("waiting requests", column(ts, ServingRecorder.column("waiting")));
        XYPlot bottom = new XYPlot(queues, null, new NumberAxis("requests (time-weighted mean)"),
                new XYLineAndShapeRenderer(true, false));
        combined.add(top, 1);
        combined.add(bottom, 1);
        ChartStyle.styleXY(top);
        ChartStyle.styleXY(bottom, 1);
        combined.setGap(12);
        JFreeChart chart = new JFreeChart("Throughput and queues over time", JFreeChart.DEFAULT_TITLE_FONT, combined, true);
        ChartStyle.apply(chart, scenario);
        time.setLabelFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 14));
        String file = "throughput_queue.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static String kvCache(Path dir, String scenario, double[][] ts, double binSeconds) throws IOException {
        double[][] xy = column(ts, ServingRecorder.column("kv_used_fraction"));
        for (int i = 0; i < xy[1].length; i++) {
            xy[1][i] *= 100;
        }
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries("KV cache used", xy);
        NumberAxis y = new NumberAxis("KV-cache blocks in use (% of capacity)");
        y.setRange(0, 100);
        XYPlot plot = new XYPlot(data, new NumberAxis("simulated time (s)"), y, new XYLineAndShapeRenderer(true, false));
        JFreeChart chart = new JFreeChart("KV-cache occupancy over time", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        double peak = Arrays.stream(xy[1]).max().orElse(0);
        ChartStyle.apply(chart, scenario + String.format(Locale.ROOT, " — peak of %.0f%% (time-weighted means over %.3g s bins)",
                peak, binSeconds));
        String file = "kv_cache.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    private static String batchSizes(Path dir, String scenario, long[] counts) throws IOException {
        long total = Arrays.stream(counts).sum();
        double[][] xy = new double[2][counts.length];
        for (int i = 0; i < counts.length; i++) {
            xy[0][i] = i;
            xy[1][i] = total == 0 ? 0 : 100.0 * counts[i] / total;
        }
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries("iterations", xy);
        XYBarRenderer bars = new XYBarRenderer(0.1);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        NumberAxis x = new NumberAxis("sequences in the batch");
        NumberAxis y = new NumberAxis("iterations (%)");
        XYPlot plot = new XYPlot(new XYBarDataset(data, 1.0), x, y, bars);
        plot.setOrientation(PlotOrientation.VERTICAL);
        JFreeChart chart = new JFreeChart("Batch-size distribution", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        ChartStyle.apply(chart, scenario + " — " + total + " iterations (vLLM v0: an iteration runs either prompts or decodes)");
        String file = "batch_size.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }


    /** Replicas drawn as lines up to this many; more become a heat map (replica × time). */
    static final int MAX_LINES = 8;
    /** Points per line and columns of the heat map at most (recorded bins are averaged in groups beyond that). */
    private static final int LINE_POINTS = 300;
    private static final int HEAT_COLUMNS = 500;
    private static final Color[] LINE_COLOURS = {
        ChartStyle.PALETTE[0], ChartStyle.PALETTE[1], ChartStyle.PALETTE[2], ChartStyle.PALETTE[3], ChartStyle.PALETTE[4],
        ChartStyle.PALETTE[5], new Color(0xe377c2), new Color(0x7f7f7f)
    };

    /** The smallest of 1, 2, 5 × 10^k at or above {@code v} (at least 1). */
    private static double niceAbove(double v) {
        if (v <= 1) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v * (1 - 1e-12)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** Per-replica utilisation (%) or waiting requests over time: lines for a few replicas, a heat map for many. */
    private static String perReplica(Path dir, String file, String title, String scenario, ReplicaSeries rs,
                                     boolean utilisation) throws IOException {
        int n = rs.names().size();
        // thousands of overlapping points are unreadable: draw means over groups of recorded bins (exact, as the
        // bins are equal-width time-weighted means); replicas.csv keeps the full resolution
        int group = (rs.bins() + (n <= MAX_LINES ? LINE_POINTS : HEAT_COLUMNS) - 1)
                / (n <= MAX_LINES ? LINE_POINTS : HEAT_COLUMNS);
        group = Math.max(1, group);
        int bins = (rs.bins() + group - 1) / group;
        double binSeconds = group * rs.binPicos() / 1e12;
        double[][] v = new double[n][bins];
        double peak = 0;
        for (int r = 0; r < n; r++) {
            for (int b = 0; b < bins; b++) {
                double sum = 0;
                for (int g = b * group; g < (b + 1) * group; g++) {
                    sum += utilisation ? 100 * rs.utilisation(r, g) : rs.waiting(r, g);
                }
                v[r][b] = sum / group;
                peak = Math.max(peak, v[r][b]);
            }
        }
        String unit = utilisation ? "device busy time (% of bin)" : "waiting requests (time-weighted mean)";
        NumberAxis time = new NumberAxis("simulated time (s)");
        String sub = String.format(Locale.ROOT, "%s — %d replicas, means over %.3g s, peak %s%s", scenario, n, binSeconds,
                peak == 0 ? "0" : String.format(Locale.ROOT, "%.3g", peak),
                utilisation ? "%" : " requests");
        JFreeChart chart;
        if (n <= MAX_LINES) {
            DefaultXYDataset data = new DefaultXYDataset();
            for (int r = 0; r < n; r++) {
                double[][] xy = new double[2][bins];
                for (int b = 0; b < bins; b++) {
                    xy[0][b] = b * binSeconds;
                    xy[1][b] = v[r][b];
                }
                data.addSeries(rs.names().get(r), xy);
            }
            NumberAxis y = new NumberAxis(unit);
            if (utilisation) {
                y.setRange(0, 100);
            } else {
                y.setRange(0, niceAbove(peak * 1.05));
            }
            XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
            XYPlot plot = new XYPlot(data, time, y, lines);
            chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
            ChartStyle.apply(chart, sub);
            for (int r = 0; r < n; r++) {
                lines.setSeriesPaint(r, LINE_COLOURS[r % LINE_COLOURS.length]);
                lines.setSeriesStroke(r, new BasicStroke(n > 4 ? 1.5f : 2.0f));
            }
        } else {
            double[][] xyz = new double[3][n * bins];
            int k = 0;
            for (int r = 0; r < n; r++) {
                for (int b = 0; b < bins; b++) {
                    xyz[0][k] = b * binSeconds;
                    xyz[1][k] = n - 1 - r; // first replica at the top
                    xyz[2][k] = v[r][b];
                    k++;
                }
            }
            DefaultXYZDataset data = new DefaultXYZDataset();
            data.addSeries(title, xyz);
            XYBlockRenderer renderer = new XYBlockRenderer();
            renderer.setBlockWidth(binSeconds);
            renderer.setBlockHeight(1.0);
            renderer.setBlockAnchor(RectangleAnchor.BOTTOM_LEFT);
            double top = utilisation ? 100 : niceAbove(peak);
            LookupPaintScale paint = new LookupPaintScale(0, top * 1.0001, Color.WHITE);
            Color[] ramp = {new Color(0xf7fbff), new Color(0xc6dbef), new Color(0x6baed6), new Color(0x2171b5),
                new Color(0xfd8d3c), new Color(0xd62728)};
            // 40 interpolated steps: a coarse 6-band scale hides most of the variation between replicas
            int steps = 40;
            for (int i = 0; i < steps; i++) {
                double f = i * (ramp.length - 1) / (double) (steps - 1);
                int lo = Math.min((int) f, ramp.length - 2);
                double w = f - lo;
                Color a = ramp[lo];
                Color c = ramp[lo + 1];
                paint.add(i * top / steps, new Color((int) Math.round(a.getRed() + w * (c.getRed() - a.getRed())),
                        (int) Math.round(a.getGreen() + w * (c.getGreen() - a.getGreen())),
                        (int) Math.round(a.getBlue() + w * (c.getBlue() - a.getBlue()))));
            }
            renderer.setPaintScale(paint);
            // label every replica while they fit, else every step-th row, so names stay legible
            int step = (n + 31) / 32;
            String[] names = new String[n];
            for (int r = 0; r < n; r++) {
                names[r] = rs.names().get(n - 1 - r);
            }
            SymbolAxis y = new SymbolAxis(step == 1 ? "replica" : "replica (one in " + step + " labelled)", names);
            y.setGridBandsVisible(false);
            y.setAutoTickUnitSelection(false);
            y.setTickUnit(new NumberTickUnit(step));
            XYPlot plot = new XYPlot(data, time, y, renderer);
            chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
            ChartStyle.apply(chart, sub);
            y.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, n > 16 ? 10 : 12));
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinesVisible(false);
            plot.setRangeGridlinesVisible(false);
            NumberAxis legendAxis = new NumberAxis(unit);
            legendAxis.setRange(0, top);
            legendAxis.setStandardTickUnits(NumberAxis.createStandardTickUnits(Locale.ROOT));
            legendAxis.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            PaintScaleLegend legend = new PaintScaleLegend(paint, legendAxis);
            legend.setPosition(RectangleEdge.RIGHT);
            legend.setMargin(4, 4, 40, 4);
            chart.addSubtitle(legend);
        }
        time.setRange(0, Math.max(1, bins) * binSeconds);
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }

    /** KV moved from prefill to decode replicas: rate per bin (GB/s) above, cumulative GB below. */
    private static String kvTransfer(Path dir, String scenario, double[][] ts, double binSeconds) throws IOException {
        double[][] rate = column(ts, ServingRecorder.column("kv_transfer_bytes_per_s"));
        double[][] total = new double[2][rate[0].length];
        double sum = 0;
        double peak = 0;
        for (int i = 0; i < rate[0].length; i++) {
            sum += rate[1][i] * binSeconds / 1e9;
            rate[1][i] /= 1e9;
            peak = Math.max(peak, rate[1][i]);
            total[0][i] = rate[0][i] + binSeconds; // cumulative at the end of the bin
            total[1][i] = sum;
        }
        NumberAxis time = new NumberAxis("simulated time (s)");
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(time);
        DefaultXYDataset r = new DefaultXYDataset();
        r.addSeries("KV transfer rate, prefill → decode (GB/s)", rate);
        XYPlot top = new XYPlot(r, null, new NumberAxis("GB/s (mean over bin)"), new XYLineAndShapeRenderer(true, false));
        DefaultXYDataset c = new DefaultXYDataset();
        c.addSeries("KV moved so far (GB)", total);
        XYPlot bottom = new XYPlot(c, null, new NumberAxis("cumulative GB"), new XYLineAndShapeRenderer(true, false));
        combined.add(top, 1);
        combined.add(bottom, 1);
        ChartStyle.styleXY(top);
        ChartStyle.styleXY(bottom, 1);
        combined.setGap(12);
        JFreeChart chart = new JFreeChart("KV-cache transfer, prefill → decode", JFreeChart.DEFAULT_TITLE_FONT, combined, true);
        ChartStyle.apply(chart, String.format(Locale.ROOT, "%s — %.3g GB in total, peak %.3g GB/s (%.3g s bins; GB = 10^9 bytes)",
                scenario, sum, peak, binSeconds));
        time.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        String file = "kv_transfer.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }
}
