package io.xpusim.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.title.TextTitle;

/** The house style for charts: white background, light grid, readable fonts, a fixed palette; PNG output. */
public final class ChartStyle {
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b)
    };
    static final int WIDTH = 1000;
    static final int HEIGHT = 560;

    private ChartStyle() {
    }

    static void apply(JFreeChart chart, String subtitle) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        if (subtitle != null && !subtitle.isEmpty()) {
            TextTitle t = new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            t.setPaint(Color.DARK_GRAY);
            chart.addSubtitle(t);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        }
        if (chart.getPlot() instanceof XYPlot p) {
            styleXY(p);
        }
    }

    static void styleXY(XYPlot p) {
        styleXY(p, 0);
    }

    /** Styles a plot, starting its series colours at {@code paletteOffset} (for stacked panels sharing a legend). */
    static void styleXY(XYPlot p, int paletteOffset) {
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(new Color(0xdddddd));
        p.setRangeGridlinePaint(new Color(0xdddddd));
        p.setOutlineVisible(false);
        Font label = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        Font ticks = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        rootLocaleTicks(p.getDomainAxis());
        p.getDomainAxis().setLabelFont(label);
        p.getDomainAxis().setTickLabelFont(ticks);
        for (int i = 0; i < p.getRangeAxisCount(); i++) {
            if (p.getRangeAxis(i) != null) {
                rootLocaleTicks(p.getRangeAxis(i));
                p.getRangeAxis(i).setLabelFont(label);
                p.getRangeAxis(i).setTickLabelFont(ticks);
            }
        }
        for (int r = 0; r < p.getRendererCount(); r++) {
            XYItemRenderer renderer = p.getRenderer(r);
            if (renderer == null) {
                continue;
            }
            for (int s = 0; s < PALETTE.length; s++) {
                renderer.setSeriesPaint(s, PALETTE[(s + 2 * r + paletteOffset) % PALETTE.length]);
                renderer.setSeriesStroke(s, new BasicStroke(2.0f));
            }
        }
    }

    /** Tick labels in Locale.ROOT, so a chart is byte-identical whatever the user's locale. */
    private static void rootLocaleTicks(org.jfree.chart.axis.ValueAxis axis) {
        if (axis instanceof org.jfree.chart.axis.NumberAxis n) {
            n.setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createStandardTickUnits(java.util.Locale.ROOT));
        }
    }

    /** Charts are PNG; with {@link #svgToo} set (by --chart-format svg) each is also written as SVG beside it. */
    private static final InheritableThreadLocal<Boolean> SVG_TOO = new InheritableThreadLocal<>();

    /**
     * Whether the charts drawn from now on by this thread, and by threads it starts, are also written as SVG
     * ({@code x.svg} beside {@code x.png}). The commands set it around writing their outputs.
     */
    public static void svgToo(boolean on) {
        SVG_TOO.set(on);
    }

    static void save(JFreeChart chart, Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        if (Boolean.TRUE.equals(SVG_TOO.get())) {
            SvgGraphics2D g = new SvgGraphics2D(WIDTH, HEIGHT);
            chart.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
            String name = file.getFileName().toString().replaceFirst("\\.png$", "") + ".svg";
            java.nio.file.Files.writeString(file.resolveSibling(name), g.svg(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
