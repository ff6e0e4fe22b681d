package io.xpusim.report;

import io.xpusim.metrics.CollectiveRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultXYDataset;

/** The chart of a collective microbenchmark: bus bandwidth against message size, log-scaled sizes. */
public final class CollectiveCharts {
    private CollectiveCharts() {
    }

    public static String busBandwidth(Path dir, String scenario, List<CollectiveRecord> records) throws IOException {
        double[][] xy = new double[2][records.size()];
        for (int i = 0; i < records.size(); i++) {
            xy[0][i] = records.get(i).sizeBytes() / (1024.0 * 1024);
            xy[1][i] = records.get(i).busbwBytesPerSecond() / 1e9;
        }
        CollectiveRecord first = records.isEmpty() ? null : records.get(0);
        String label = first == null ? "bus bandwidth" : first.op() + " on " + first.ranks() + " ranks";
        DefaultXYDataset data = new DefaultXYDataset();
        data.addSeries(label, xy);
        LogAxis x = new LogAxis("message size (MiB, log scale)");
        x.setBase(2);
        x.setNumberFormatOverride(java.text.NumberFormat.getNumberInstance(Locale.ROOT));
        x.setSmallestValue(1e-6);
        NumberAxis y = new NumberAxis("bus bandwidth (GB/s)");
        XYPlot plot = new XYPlot(data, x, y, new XYLineAndShapeRenderer(true, true));
        JFreeChart chart = new JFreeChart("Collective bus bandwidth vs message size", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        String algorithms = records.stream().map(CollectiveRecord::algorithm).distinct().reduce((a, b) -> a + ", " + b).orElse("");
        ChartStyle.apply(chart, scenario + " — " + label + " (algorithm: " + algorithms + "; busbw as defined by nccl-tests)");
        String file = "busbw_vs_size.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }
}
