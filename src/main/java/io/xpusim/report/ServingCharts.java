package io.xpusim.report;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
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
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.DefaultXYDataset;
import org.jfree.data.xy.XYBarDataset;

/** The charts of a serving run: latency CDFs, throughput and queues over time, KV-cache use, batch sizes. */
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
                () -> batchSizes(dir, scenario, rec.batchSizeCounts()));
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

}
