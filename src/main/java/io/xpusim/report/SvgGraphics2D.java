package io.xpusim.report;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.GradientPaint;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.GraphicsConfiguration;
import java.awt.Image;
import java.awt.Paint;
import java.awt.Polygon;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.font.FontRenderContext;
import java.awt.font.GlyphVector;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.NoninvertibleTransformException;
import java.awt.geom.Path2D;
import java.awt.geom.PathIterator;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.BufferedImageOp;
import java.awt.image.ImageObserver;
import java.awt.image.RenderedImage;
import java.awt.image.renderable.RenderableImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.AttributedCharacterIterator;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A {@link Graphics2D} that writes SVG, enough for JFreeChart's charts: shapes become paths in device coordinates
 * (the current transform applied), strokes keep their width, dashes, caps and joins, text stays text (with its
 * transform), clips become clip paths, alpha composites become opacity, images are embedded as PNG. Gradient
 * paints are drawn in their first colour. Our own small writer, because JFreeSVG is GPLv3; numbers have two
 * decimals and Locale-free formatting, so the same chart gives the same bytes.
 */
final class SvgGraphics2D extends Graphics2D {
    /** The text and clip paths written so far, shared by every graphics made from one root with {@link #create()}. */
    private static final class Document {
        final StringBuilder body = new StringBuilder(1 << 16);
        final StringBuilder defs = new StringBuilder();
        final Map<String, String> clips = new HashMap<>();
        final Graphics2D measure = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB).createGraphics();
    }

    private final Document doc;
    private final int width;
    private final int height;
    private AffineTransform transform = new AffineTransform();
    private Shape clip; // in device space; null: none
    private Paint paint = Color.BLACK;
    private Color background = Color.WHITE;
    private Stroke stroke = new BasicStroke(1f);
    private Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private Composite composite = AlphaComposite.SrcOver;
    private final RenderingHints hints = new RenderingHints(null);

    SvgGraphics2D(int width, int height) {
        this.doc = new Document();
        this.width = width;
        this.height = height;
    }

    private SvgGraphics2D(SvgGraphics2D from) {
        this.doc = from.doc;
        this.width = from.width;
        this.height = from.height;
        this.transform = new AffineTransform(from.transform);
        this.clip = from.clip;
        this.paint = from.paint;
        this.background = from.background;
        this.stroke = from.stroke;
        this.font = from.font;
        this.composite = from.composite;
        this.hints.putAll(from.hints);
    }

    /** The finished document. */
    String svg() {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width
                + "\" height=\"" + height + "\" viewBox=\"0 0 " + width + " " + height + "\">\n<defs>\n" + doc.defs
                + "</defs>\n" + doc.body + "</svg>\n";
    }

    // ------------------------------------------------------------------ drawing

    @Override
    public void draw(Shape s) {
        if (!(stroke instanceof BasicStroke b)) {
            fill(stroke.createStrokedShape(s));
            return;
        }
        double scale = Math.sqrt(Math.abs(transform.getDeterminant()));
        StringBuilder e = new StringBuilder("<path d=\"").append(path(s)).append("\" fill=\"none\" stroke=\"")
                .append(colour()).append("\" stroke-width=\"").append(num(Math.max(b.getLineWidth(), 0.5f) * scale)).append('"');
        if (b.getDashArray() != null) {
            e.append(" stroke-dasharray=\"");
            float[] dash = b.getDashArray();
            for (int i = 0; i < dash.length; i++) {
                e.append(i == 0 ? "" : ",").append(num(dash[i] * scale));
            }
            e.append('"');
        }
        e.append(b.getEndCap() == BasicStroke.CAP_ROUND ? " stroke-linecap=\"round\"" : b.getEndCap() == BasicStroke.CAP_SQUARE
                ? " stroke-linecap=\"square\"" : "");
        e.append(b.getLineJoin() == BasicStroke.JOIN_ROUND ? " stroke-linejoin=\"round\"" : b.getLineJoin()
                == BasicStroke.JOIN_BEVEL ? " stroke-linejoin=\"bevel\"" : "");
        e.append(opacity("stroke-opacity")).append("/>");
        emit(e.toString());
    }

    @Override
    public void fill(Shape s) {
        emit("<path d=\"" + path(s) + "\" fill=\"" + colour() + "\"" + opacity("fill-opacity") + "/>");
    }

    @Override
    public void drawString(String str, float x, float y) {
        if (str == null || str.isEmpty()) {
            return;
        }
        String weight = font.isBold() ? " font-weight=\"bold\"" : "";
        String style = font.isItalic() ? " font-style=\"italic\"" : "";
        emit("<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" transform=\"" + matrix(transform) + "\" font-family=\""
                + HtmlReport.escape(family(font)) + "\" font-size=\"" + num(font.getSize2D()) + "\"" + weight + style
                + " fill=\"" + colour() + "\"" + opacity("fill-opacity") + " xml:space=\"preserve\">"
                + HtmlReport.escape(str) + "</text>");
    }

    @Override
    public void drawString(String str, int x, int y) {
        drawString(str, (float) x, (float) y);
    }

    @Override
    public void drawString(AttributedCharacterIterator it, float x, float y) {
        StringBuilder b = new StringBuilder();
        for (char c = it.first(); c != AttributedCharacterIterator.DONE; c = it.next()) {
            b.append(c);
        }
        drawString(b.toString(), x, y);
    }

    @Override
    public void drawString(AttributedCharacterIterator it, int x, int y) {
        drawString(it, (float) x, (float) y);
    }

    @Override
    public void drawGlyphVector(GlyphVector g, float x, float y) {
        fill(g.getOutline(x, y));
    }

    @Override
    public boolean drawImage(Image img, AffineTransform xform, ImageObserver obs) {
        int w = img.getWidth(obs);
        int h = img.getHeight(obs);
        if (w <= 0 || h <= 0) {
            return false;
        }
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = bi.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(bi, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AffineTransform t = new AffineTransform(transform);
        if (xform != null) {
            t.concatenate(xform);
        }
        emit("<image width=\"" + w + "\" height=\"" + h + "\" transform=\"" + matrix(t) + "\" href=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"/>");
        return true;
    }

    @Override
    public boolean drawImage(Image img, int x, int y, ImageObserver obs) {
        return drawImage(img, AffineTransform.getTranslateInstance(x, y), obs);
    }

    @Override
    public boolean drawImage(Image img, int x, int y, int w, int h, ImageObserver obs) {
        AffineTransform t = AffineTransform.getTranslateInstance(x, y);
        t.scale(w / (double) Math.max(1, img.getWidth(obs)), h / (double) Math.max(1, img.getHeight(obs)));
        return drawImage(img, t, obs);
    }

    @Override
    public boolean drawImage(Image img, int x, int y, Color bg, ImageObserver obs) {
        return drawImage(img, x, y, obs);
    }

    @Override
    public boolean drawImage(Image img, int x, int y, int w, int h, Color bg, ImageObserver obs) {
        return drawImage(img, x, y, w, h, obs);
    }

    @Override
    public boolean drawImage(Image img, int dx1, int dy1, int dx2, int dy2, int sx1, int sy1, int sx2, int sy2,
                             ImageObserver obs) {
        BufferedImage part = new BufferedImage(Math.max(1, sx2 - sx1), Math.max(1, sy2 - sy1), BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = part.createGraphics();
        g.drawImage(img, 0, 0, sx2 - sx1, sy2 - sy1, sx1, sy1, sx2, sy2, null);
        g.dispose();
        return drawImage(part, dx1, dy1, dx2 - dx1, dy2 - dy1, obs);
    }

    @Override
    public boolean drawImage(Image img, int dx1, int dy1, int dx2, int dy2, int sx1, int sy1, int sx2, int sy2, Color bg,
                             ImageObserver obs) {
        return drawImage(img, dx1, dy1, dx2, dy2, sx1, sy1, sx2, sy2, obs);
    }

    @Override
    public void drawImage(BufferedImage img, BufferedImageOp op, int x, int y) {
        drawImage(op == null ? img : op.filter(img, null), x, y, null);
    }

    @Override
    public void drawRenderedImage(RenderedImage img, AffineTransform xform) {
        if (img instanceof BufferedImage bi) {
            drawImage(bi, xform, null);
        }
    }

    @Override
    public void drawRenderableImage(RenderableImage img, AffineTransform xform) {
        drawRenderedImage(img.createDefaultRendering(), xform);
    }

    @Override
    public void drawLine(int x1, int y1, int x2, int y2) {
        draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void fillRect(int x, int y, int w, int h) {
        fill(new Rectangle(x, y, w, h));
    }

    @Override
    public void clearRect(int x, int y, int w, int h) {
        Paint saved = paint;
        paint = background;
        fill(new Rectangle(x, y, w, h));
        paint = saved;
    }

    @Override
    public void drawRoundRect(int x, int y, int w, int h, int aw, int ah) {
        draw(new RoundRectangle2D.Double(x, y, w, h, aw, ah));
    }

    @Override
    public void fillRoundRect(int x, int y, int w, int h, int aw, int ah) {
        fill(new RoundRectangle2D.Double(x, y, w, h, aw, ah));
    }

    @Override
    public void drawOval(int x, int y, int w, int h) {
        draw(new Ellipse2D.Double(x, y, w, h));
    }

    @Override
    public void fillOval(int x, int y, int w, int h) {
        fill(new Ellipse2D.Double(x, y, w, h));
    }

    @Override
    public void drawArc(int x, int y, int w, int h, int start, int extent) {
        draw(new Arc2D.Double(x, y, w, h, start, extent, Arc2D.OPEN));
    }

    @Override
    public void fillArc(int x, int y, int w, int h, int start, int extent) {
        fill(new Arc2D.Double(x, y, w, h, start, extent, Arc2D.PIE));
    }

    @Override
    public void drawPolyline(int[] xs, int[] ys, int n) {
        if (n < 2) {
            return;
        }
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < n; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        draw(p);
    }

    @Override
    public void drawPolygon(int[] xs, int[] ys, int n) {
        draw(new Polygon(xs, ys, n));
    }

    @Override
    public void fillPolygon(int[] xs, int[] ys, int n) {
        fill(new Polygon(xs, ys, n));
    }

    @Override
    public void copyArea(int x, int y, int w, int h, int dx, int dy) {
        // not meaningful for a vector document
    }

    @Override
    public boolean hit(Rectangle rect, Shape s, boolean onStroke) {
        Shape device = transform.createTransformedShape(onStroke ? stroke.createStrokedShape(s) : s);
        return device.intersects(rect);
    }

    // ------------------------------------------------------------------ state

    @Override
    public Graphics create() {
        return new SvgGraphics2D(this);
    }

    @Override
    public void dispose() {
        // nothing held
    }

    @Override
    public GraphicsConfiguration getDeviceConfiguration() {
        return doc.measure.getDeviceConfiguration();
    }

    @Override
    public void setComposite(Composite c) {
        composite = c;
    }

    @Override
    public Composite getComposite() {
        return composite;
    }

    @Override
    public void setPaint(Paint p) {
        if (p != null) {
            paint = p;
        }
    }

    @Override
    public Paint getPaint() {
        return paint;
    }

    @Override
    public void setColor(Color c) {
        if (c != null) {
            paint = c;
        }
    }

    @Override
    public Color getColor() {
        return paint instanceof Color c ? c : Color.BLACK;
    }

    @Override
    public void setStroke(Stroke s) {
        stroke = s;
    }

    @Override
    public Stroke getStroke() {
        return stroke;
    }

    @Override
    public void setBackground(Color c) {
        background = c;
    }

    @Override
    public Color getBackground() {
        return background;
    }

    @Override
    public void setFont(Font f) {
        if (f != null) {
            font = f;
        }
    }

    @Override
    public Font getFont() {
        return font;
    }

    @Override
    public FontMetrics getFontMetrics(Font f) {
        return doc.measure.getFontMetrics(f);
    }

    @Override
    public FontRenderContext getFontRenderContext() {
        return doc.measure.getFontRenderContext();
    }

    @Override
    public void setPaintMode() {
        // SVG draws in paint mode only
    }

    @Override
    public void setXORMode(Color c) {
        // XOR has no SVG equivalent; drawing stays in paint mode
    }

    @Override
    public void setRenderingHint(RenderingHints.Key key, Object value) {
        hints.put(key, value);
    }

    @Override
    public Object getRenderingHint(RenderingHints.Key key) {
        return hints.get(key);
    }

    @Override
    public void setRenderingHints(Map<?, ?> m) {
        hints.clear();
        hints.putAll(m);
    }

    @Override
    public void addRenderingHints(Map<?, ?> m) {
        hints.putAll(m);
    }

    @Override
    public RenderingHints getRenderingHints() {
        return (RenderingHints) hints.clone();
    }

    @Override
    public void translate(int x, int y) {
        transform.translate(x, y);
    }

    @Override
    public void translate(double x, double y) {
        transform.translate(x, y);
    }

    @Override
    public void rotate(double theta) {
        transform.rotate(theta);
    }

    @Override
    public void rotate(double theta, double x, double y) {
        transform.rotate(theta, x, y);
    }

    @Override
    public void scale(double sx, double sy) {
        transform.scale(sx, sy);
    }

    @Override
    public void shear(double shx, double shy) {
        transform.shear(shx, shy);
    }

    @Override
    public void transform(AffineTransform t) {
        transform.concatenate(t);
    }

    @Override
    public void setTransform(AffineTransform t) {
        transform = new AffineTransform(t);
    }

    @Override
    public AffineTransform getTransform() {
        return new AffineTransform(transform);
    }

    @Override
    public Shape getClip() {
        if (clip == null) {
            return null;
        }
        try {
            return transform.createInverse().createTransformedShape(clip);
        } catch (NoninvertibleTransformException e) {
            return null;
        }
    }

    @Override
    public Rectangle getClipBounds() {
        Shape c = getClip();
        return c == null ? null : c.getBounds();
    }

    @Override
    public void setClip(Shape s) {
        clip = s == null ? null : transform.createTransformedShape(s);
    }

    @Override
    public void setClip(int x, int y, int w, int h) {
        setClip(new Rectangle(x, y, w, h));
    }

    @Override
    public void clip(Shape s) {
        Shape device = transform.createTransformedShape(s);
        if (clip == null) {
            clip = device;
        } else {
            Area a = new Area(clip);
            a.intersect(new Area(device));
            clip = a;
        }
    }

    @Override
    public void clipRect(int x, int y, int w, int h) {
        clip(new Rectangle(x, y, w, h));
    }

    // ------------------------------------------------------------------ output

    /** Appends an element, inside a group clipped by the current clip (as a shared clip path) when there is one. */
    private void emit(String element) {
        if (clip == null) {
            doc.body.append(element).append('\n');
            return;
        }
        Rectangle2D b = clip.getBounds2D();
        if (b.isEmpty()) {
            return; // clipped away entirely
        }
        String d = pathDevice(clip);
        String id = doc.clips.get(d);
        if (id == null) {
            id = "c" + doc.clips.size();
            doc.clips.put(d, id);
            doc.defs.append("<clipPath id=\"").append(id).append("\"><path d=\"").append(d).append("\"/></clipPath>\n");
        }
        doc.body.append("<g clip-path=\"url(#").append(id).append(")\">").append(element).append("</g>\n");
    }

    private String path(Shape s) {
        return path(s.getPathIterator(transform));
    }

    private static String pathDevice(Shape s) {
        return path(s.getPathIterator(null));
    }

    private static String path(PathIterator it) {
        StringBuilder b = new StringBuilder();
        double[] c = new double[6];
        for (; !it.isDone(); it.next()) {
            switch (it.currentSegment(c)) {
                case PathIterator.SEG_MOVETO -> b.append('M').append(num(c[0])).append(' ').append(num(c[1]));
                case PathIterator.SEG_LINETO -> b.append('L').append(num(c[0])).append(' ').append(num(c[1]));
                case PathIterator.SEG_QUADTO -> b.append('Q').append(num(c[0])).append(' ').append(num(c[1])).append(' ')
                        .append(num(c[2])).append(' ').append(num(c[3]));
                case PathIterator.SEG_CUBICTO -> b.append('C').append(num(c[0])).append(' ').append(num(c[1])).append(' ')
                        .append(num(c[2])).append(' ').append(num(c[3])).append(' ').append(num(c[4])).append(' ')
                        .append(num(c[5]));
                default -> b.append('Z');
            }
        }
        return b.toString();
    }

    private String colour() {
        Color c = paint instanceof Color col ? col : paint instanceof GradientPaint g ? g.getColor1() : Color.GRAY;
        return "rgb(" + c.getRed() + "," + c.getGreen() + "," + c.getBlue() + ")";
    }

    private String opacity(String attribute) {
        Color c = paint instanceof Color col ? col : paint instanceof GradientPaint g ? g.getColor1() : Color.GRAY;
        double a = c.getAlpha() / 255.0;
        if (composite instanceof AlphaComposite ac) {
            a *= ac.getAlpha();
        }
        return a >= 1 ? "" : " " + attribute + "=\"" + num(a) + "\"";
    }

    private static String matrix(AffineTransform t) {
        return "matrix(" + num(t.getScaleX()) + " " + num(t.getShearY()) + " " + num(t.getShearX()) + " " + num(t.getScaleY())
                + " " + num(t.getTranslateX()) + " " + num(t.getTranslateY()) + ")";
    }

    private static String family(Font f) {
        return switch (f.getName()) {
            case Font.SANS_SERIF, Font.DIALOG, Font.DIALOG_INPUT -> "sans-serif";
            case Font.SERIF -> "serif";
            case Font.MONOSPACED -> "monospace";
            default -> f.getName() + ", sans-serif";
        };
    }

    /** Two decimals, trailing zeros dropped, by integer arithmetic: fast and the same on every JVM and locale. */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            return "0";
        }
        long r = Math.round(v * 100);
        StringBuilder b = new StringBuilder(12);
        if (r < 0) {
            b.append('-');
            r = -r;
        }
        b.append(r / 100);
        long frac = r % 100;
        if (frac != 0) {
            b.append('.').append(frac / 10);
            if (frac % 10 != 0) {
                b.append(frac % 10);
            }
        }
        return b.toString();
    }
}
