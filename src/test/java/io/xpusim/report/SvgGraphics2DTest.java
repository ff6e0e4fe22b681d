package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The SVG writer: coordinates, strokes, text, clips and opacity by hand; whole charts well-formed and stable. */
class SvgGraphics2DTest {
    @TempDir
    Path dir;

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shapesAreWrittenInDeviceCoordinatesWithTheirStrokeFillClipAndText() throws Exception {
        SvgGraphics2D g = new SvgGraphics2D(200, 100);
        g.translate(10, 20);
        g.setColor(new Color(255, 0, 0));
        g.fillRect(0, 0, 30, 40);                          // device (10,20)–(40,60)
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 2f}, 0f));
        g.scale(2, 2);
        g.drawLine(0, 0, 5, 0);                            // device (10,20)–(20,20), width 2 × 2
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.5f));
        g.clip(new Rectangle(0, 0, 10, 10));               // device (10,20)–(30,40)
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString("a < b & \"c\"", 1f, 2f);
        String svg = g.svg();
        Document d = parse(svg);
        Element svgRoot = d.getDocumentElement();
        assertEquals("0 0 200 100", svgRoot.getAttribute("viewBox"));
        assertTrue(svg.contains("<path d=\"M10 20L40 20L40 60L10 60L10 20Z\" fill=\"rgb(255,0,0)\"/>"), svg);
        assertTrue(svg.contains("d=\"M10 20L20 20\" fill=\"none\" stroke=\"rgb(255,0,0)\" stroke-width=\"4\" "
                + "stroke-dasharray=\"8,4\" stroke-linecap=\"round\"/>"), svg);
        assertTrue(svg.contains("<clipPath id=\"c0\"><path d=\"M10 20L30 20L30 40L10 40L10 20Z\"/></clipPath>"), svg);
        Element text = (Element) d.getElementsByTagName("text").item(0);
        assertEquals("a < b & \"c\"", text.getTextContent());
        assertEquals("matrix(2 0 0 2 10 20)", text.getAttribute("transform"));
        assertEquals("bold", text.getAttribute("font-weight"));
        assertEquals("0.5", text.getAttribute("fill-opacity"));
        assertEquals("url(#c0)", ((Element) text.getParentNode()).getAttribute("clip-path"));
    }

    @Test
    void aChartBecomesAWellFormedStableSvgBesideItsPng() throws Exception {
        double[] rates = {1, 2, 4, 8};
        double[][] ttft = {{0.05, 0.06, 0.08, 2.0}, {0.07, 0.08, 0.1, 4.0}, {0.09, 0.1, 0.2, 6.0}};
        double[][] tpot = {{0.02, 0.02, 0.03, 0.05}, {0.03, 0.03, 0.04, 0.07}, {0.04, 0.04, 0.05, 0.09}};
        ChartStyle.svgToo(true);
        try {
            GoodputCharts.latency(dir, "svg-test", rates, ttft, tpot, Map.of("ttft-p90", 1.0), 4);
            byte[] first = Files.readAllBytes(dir.resolve("latency_vs_load.svg"));
            GoodputCharts.latency(dir, "svg-test", rates, ttft, tpot, Map.of("ttft-p90", 1.0), 4);
            assertArrayEquals(first, Files.readAllBytes(dir.resolve("latency_vs_load.svg")), "same chart, same bytes");
            assertTrue(Files.size(dir.resolve("latency_vs_load.png")) > 0, "the PNG is still written");
            String svg = new String(first, StandardCharsets.UTF_8);
            Document d = parse(svg);
            assertTrue(svg.contains(">Latency vs load</text>"), "the title is text");
            assertTrue(svg.contains(">SLO ttft-p90 ≤ 1000 ms</text>"), "the target marker's label");
            assertTrue(d.getElementsByTagName("path").getLength() > 50, "axes, grid, lines and shapes drawn");
        } finally {
            ChartStyle.svgToo(false);
        }
    }

    @Test
    void numbersHaveTwoDecimalsWithoutLocale() {
        assertEquals("0", SvgGraphics2D.num(0.001));
        assertEquals("1.5", SvgGraphics2D.num(1.5));
        assertEquals("-2.25", SvgGraphics2D.num(-2.25));
        assertEquals("3.07", SvgGraphics2D.num(3.066));
        assertEquals("0", SvgGraphics2D.num(Double.NaN));
    }
}
