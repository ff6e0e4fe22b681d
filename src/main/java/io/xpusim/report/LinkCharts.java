package io.xpusim.report;

import io.xpusim.metrics.LinkUtilisation;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/** A heat map of the busiest links' utilisation over time: one row per link direction. */
public final class LinkCharts {
    private LinkCharts() {
    }

    /** The smallest of 1, 2, 5 × 10^k at or above {@code v}, capped at 100 (percent). */
    static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v * (1 - 1e-12)) {
                return Math.min(100, m * p);
            }
        }
        return 100;
    }

    public static String heatMap(Path dir, String scenario, LinkUtilisation u, String timeUnitNote) throws IOException {
        int links = u.links().size();
        int bins = links == 0 ? 0 : u.utilisation()[0].length;
        double[][] xyz = new double[3][links * bins];
        int k = 0;
        boolean micro = u.binSeconds() * bins < 1e-2;
        double scale = micro ? 1e6 : 1.0;
        for (int l = 0; l < links; l++) {
            for (int b = 0; b < bins; b++) {
                xyz[0][k] = b * u.binSeconds() * scale;
                xyz[1][k] = links - 1 - l; // busiest at the top
                xyz[2][k] = 100 * u.utilisation()[l][b];
                k++;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("utilisation", xyz);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockWidth(u.binSeconds() * scale);
        renderer.setBlockHeight(1.0);
        renderer.setBlockAnchor(org.jfree.chart.ui.RectangleAnchor.BOTTOM_LEFT);
        // the colour scale runs to the busiest bin (a 1-2-5 step above it): lightly used links still show a pattern
        double peak = 0;
        for (double z : xyz[2]) {
            peak = Math.max(peak, z);
        }
        double top = niceCeiling(Math.max(peak, 1e-3));
        LookupPaintScale paint = new LookupPaintScale(0, top * 1.0001, Color.WHITE);
        Color[] ramp = {new Color(0xf7fbff), new Color(0xc6dbef), new Color(0x6baed6), new Color(0x2171b5),
            new Color(0xfd8d3c), new Color(0xd62728)};
        for (int i = 0; i < ramp.length; i++) {
            paint.add(i * top / ramp.length, ramp[i]);
        }
        renderer.setPaintScale(paint);
        String[] names = new String[links];
        for (int l = 0; l < links; l++) {
            String n = u.links().get(links - 1 - l);
            names[l] = n.length() > 42 ? "…" + n.substring(n.length() - 41) : n;
        }
        SymbolAxis y = new SymbolAxis("link direction", names);
        y.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, links > 24 ? 8 : 11));
        NumberAxis x = new NumberAxis(micro ? "simulated time (µs)" : "simulated time (s)");
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart("Link utilisation over time (busiest " + links + ")", JFreeChart.DEFAULT_TITLE_FONT,
                plot, false);
        ChartStyle.apply(chart, scenario + (timeUnitNote.isEmpty() ? "" : " — " + timeUnitNote));
        plot.setBackgroundPaint(Color.WHITE);
        NumberAxis legendAxis = new NumberAxis(String.format(java.util.Locale.ROOT, "%% of capacity (peak bin %.3g%%)", peak));
        legendAxis.setRange(0, top);
        legendAxis.setStandardTickUnits(NumberAxis.createStandardTickUnits(java.util.Locale.ROOT));
        PaintScaleLegend legend = new PaintScaleLegend(paint, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        plot.getDomainAxis().setRange(0, bins * u.binSeconds() * scale);
        String file = "link_utilisation.png";
        ChartStyle.save(chart, dir.resolve(file));
        return file;
    }
}
