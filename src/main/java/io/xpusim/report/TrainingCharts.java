package io.xpusim.report;

import io.xpusim.metrics.PipelineSlice.SliceKind;
import io.xpusim.metrics.PipelineSlice;
import io.xpusim.metrics.StageMemory;
import io.xpusim.metrics.StageTime;
import io.xpusim.units.DataSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CrosshairState;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotRenderingInfo;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.AbstractXYItemRenderer;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYItemRendererState;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.DomainOrder;
import org.jfree.data.xy.AbstractIntervalXYDataset;
import org.jfree.data.xy.CategoryTableXYDataset;
import org.jfree.data.xy.XYDataset;

/**
 * The charts of a training step: a per-stage pipeline timeline (Gantt), where each stage's step time goes, and
 * each stage's peak memory against its device's capacity.
 */
public final class TrainingCharts {
    /** The Gantt chart of one step: a row per pipeline stage, time across. */
    public static final String TIMELINE = "pipeline-timeline.png";
    /** Stacked bars per stage of where its step time goes ({@link StageTime}). */
    public static final String BREAKDOWN = "time-breakdown.png";
    /** Stacked bars per stage of peak device memory ({@link StageMemory}) against capacity. */
    public static final String MEMORY = "memory-per-stage.png";

    /**
     * Columns the timeline's step is cut into for slices too short to draw on their own (see {@link SliceDataset}):
     * one per pixel of the chart's width, so finer than the plot's pixels.
     */
    static final int MERGE_COLUMNS = ChartStyle.WIDTH;
    /** Slices at least this many columns long are drawn exactly and labelled; shorter ones are rasterised. */
    static final double KEEP_APART_COLUMNS = 4;
    /** Above this many stages the bar charts leave narrower gaps; above half of it, no per-bar annotations. */
    private static final int MANY_STAGES = 32;

    private static final double BAR_HALF = 0.40; // solid bars: stage ± 0.40 (rows are 1 stage tall)
    private static final double BAND_TOP = 0.10; // comm bands: the lower part of the row, stage + 0.10 … + 0.40

    private static final Map<SliceKind, Color> KIND_COLOURS = new EnumMap<>(SliceKind.class);
    private static final Map<SliceKind, String> KIND_NAMES = new EnumMap<>(SliceKind.class);

    static {
        kind(SliceKind.FORWARD, 0x1f77b4, "forward");
        kind(SliceKind.BACKWARD, 0x2ca02c, "backward");
        kind(SliceKind.RECOMPUTE, 0x9467bd, "recompute");
        kind(SliceKind.OPTIMIZER, 0x3b3b3b, "optimizer");
        kind(SliceKind.TP_COMM, 0xd62728, "TP comm");
        kind(SliceKind.CP_COMM, 0xe377c2, "CP comm");
        kind(SliceKind.PP_SEND, 0xff7f0e, "PP send");
        kind(SliceKind.DP_COMM, 0x17becf, "DP comm");
        kind(SliceKind.ZERO_GATHER, 0xbcbd22, "ZeRO gather");
        kind(SliceKind.OFFLOAD, 0x8c564b, "offload");
        kind(SliceKind.EP_COMM, 0x7f7f00, "EP all-to-all");
    }

    /** Drawing order of the timeline: solid bars first, then the translucent bands over them. */
    private static final List<SliceKind> DRAW_ORDER = List.of(SliceKind.FORWARD, SliceKind.BACKWARD, SliceKind.RECOMPUTE,
            SliceKind.OPTIMIZER, SliceKind.TP_COMM, SliceKind.CP_COMM, SliceKind.PP_SEND, SliceKind.DP_COMM,
            SliceKind.ZERO_GATHER, SliceKind.OFFLOAD, SliceKind.EP_COMM);

    /** Colours of the StageTime components, in {@link StageTime#NAMES} order; they match the timeline's kinds. */
    private static final Color[] TIME_COLOURS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x17becf),
        new Color(0xc7c7c7), new Color(0xff7f0e), new Color(0x8c564b), new Color(0x3b3b3b), new Color(0x7f7f00)};
    private static final String[] TIME_LABELS = {"compute", "exposed TP comm", "exposed DP comm", "pipeline bubble",
        "pipeline p2p", "offload stall", "optimizer", "exposed EP all-to-all"};

    private static final Color[] MEMORY_COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0x9467bd)};
    private static final String[] MEMORY_LABELS = {"weights", "gradients", "optimizer state", "activations"};
    private static final Color OVER_CAPACITY = new Color(0xfcd5d0);
    private static final double GIB = DataSize.BYTES_PER_GIB;

    private TrainingCharts() {
    }

    private static void kind(SliceKind k, int rgb, String name) {
        KIND_COLOURS.put(k, new Color(rgb));
        KIND_NAMES.put(k, name);
    }

    /**
     * Writes {@value #TIMELINE}, {@value #BREAKDOWN} and {@value #MEMORY} into {@code dir} and returns their paths in
     * that order. {@code title} is the scenario name; empty lists give charts saying there is no data. Output is
     * byte-identical for equal input, and the timeline draws a bounded number of bars per stage however many slices
     * it gets (see {@link SliceDataset}).
     */
    public static List<Path> write(Path dir, String title, List<PipelineSlice> slices, List<StageTime> stageTimes,
                                   List<StageMemory> memory) throws IOException {
        int stages = 0;
        for (PipelineSlice s : slices) {
            stages = Math.max(stages, s.stage() + 1);
        }
        for (StageTime t : stageTimes) {
            stages = Math.max(stages, t.stage() + 1);
        }
        for (StageMemory m : memory) {
            stages = Math.max(stages, m.stage() + 1);
        }
        List<Path> files = new ArrayList<>();
        files.add(timeline(dir.resolve(TIMELINE), title, slices, stages));
        files.add(breakdown(dir.resolve(BREAKDOWN), title, stageTimes, stages));
        files.add(memory(dir.resolve(MEMORY), title, memory, stages));
        return files;
    }

    // ---------------------------------------------------------------- timeline

    private static Path timeline(Path file, String title, List<PipelineSlice> slices, int stages) throws IOException {
        double t0 = slices.stream().mapToDouble(PipelineSlice::startSeconds).min().orElse(0);
        double t1 = slices.stream().mapToDouble(PipelineSlice::endSeconds).max().orElse(0);
        t0 = Math.min(0, t0);
        double span = t1 - t0;
        double scale;
        String unit;
        if (span >= 1 || span == 0) {
            scale = 1;
            unit = "s";
        } else if (span >= 1e-3) {
            scale = 1e3;
            unit = "ms";
        } else {
            scale = 1e6;
            unit = "µs";
        }
        SliceDataset data = SliceDataset.build(slices, t0, span, MERGE_COLUMNS, scale);

        NumberAxis x = new NumberAxis("time since the step started (" + unit + ")");
        x.setRange(t0 * scale, span == 0 ? 1 : (t1 + 0.01 * span) * scale);
        NumberAxis y = new NumberAxis("pipeline stage");
        XYPlot plot = new XYPlot(data, x, y, new SliceRenderer());
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
        plot.setNoDataMessage("no pipeline slices recorded");
        JFreeChart chart = new JFreeChart("Pipeline timeline of one step — " + title, JFreeChart.DEFAULT_TITLE_FONT, plot,
                !slices.isEmpty());
        String sub = String.format(Locale.ROOT, "%s — %d stages, step %.4g %s, %d slices", title, stages, span * scale, unit,
                slices.size());
        if (data.rasterised() > 0) {
            sub += String.format(Locale.ROOT, " (%d under %.1f%% of the step merged into 1/%d-step columns)",
                    data.rasterised(), 100 * KEEP_APART_COLUMNS / MERGE_COLUMNS, MERGE_COLUMNS);
        }
        if (!slices.isEmpty()) {
            sub += "\ntranslucent bands are communication: over a bar it overlaps computation, on white it is exposed";
        }
        ChartStyle.apply(chart, sub);
        stageAxis(y, stages);
        timeTicks(x);
        plot.setRangeGridlinesVisible(false);
        ChartStyle.save(chart, file);
        return file;
    }

    /**
     * About ten ticks at a 1-2-5 step. JFreeChart's own choice steps up from a guess only once and can crowd the
     * labels of a horizontal axis (seen with a 0 … 1 range), so the timeline picks its step itself.
     */
    private static void timeTicks(NumberAxis x) {
        double range = x.getRange().getLength();
        double p = Math.pow(10, Math.floor(Math.log10(range / 10)));
        double step = p;
        for (double m : new double[] {1, 2, 5, 10}) {
            step = m * p;
            if (range / step <= 12) {
                break;
            }
        }
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
        DecimalFormat format = new DecimalFormat(decimals == 0 ? "0" : "0." + "0".repeat(decimals),
                DecimalFormatSymbols.getInstance(Locale.ROOT));
        x.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(step, format), false, true);
    }

    /** A vertical axis of stages 0 … n−1, stage 0 at the top, ticks labelled "stage k" and thinned to fit. */
    private static void stageAxis(NumberAxis y, int stages) {
        y.setInverted(true);
        y.setRange(-0.5, Math.max(1, stages) - 0.5);
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT));
        y.setNumberFormatOverride(new DecimalFormat("'stage '0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        y.setMinorTickMarksVisible(false);
    }

    /** The horizontal stage axis of the bar charts: stage numbers, thinned to fit. */
    private static void stageCategoryAxis(NumberAxis x, int stages) {
        x.setRange(-0.5, Math.max(1, stages) - 0.5);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits(Locale.ROOT));
    }

    /**
     * The bars of the timeline, one series per slice kind present (in {@link #DRAW_ORDER}), in axis units.
     *
     * <p>How it stays fast and readable at scale: the step is cut into {@link #MERGE_COLUMNS} columns (about one
     * pixel each). A slice at least {@link #KEEP_APART_COLUMNS} columns long is drawn exactly, with its micro-batch
     * number. Shorter slices are rasterised per stage: each column shows the solid kind (computation, optimizer) that
     * ran longest in it, and each communication kind as a band whose opacity grows with the share of the column it
     * was busy; runs of equal columns become one bar. A stage therefore draws O(columns) bars whatever its slice
     * count, and a dense 1F1B steady state shows as fine forward/backward stripes rather than one colour.
     */
    static final class SliceDataset extends AbstractIntervalXYDataset {
        static final int BAND_ALPHA = 150;
        private static final int FAINTEST_BAND_ALPHA = 60;

        private final List<SliceKind> kinds = new ArrayList<>();
        private final List<Bars> bars = new ArrayList<>();
        private int rasterised;

        /** Growable columns of one kind's bars. */
        private static final class Bars {
            double[] start = new double[64];
            double[] end = new double[64];
            int[] stage = new int[64];
            int[] microBatch = new int[64]; // -1: per-step work or several slices (no label)
            int[] alpha = new int[64];
            int size;

            void add(double s, double e, int st, int mb, int a) {
                if (size == start.length) {
                    int n = size * 2;
                    start = Arrays.copyOf(start, n);
                    end = Arrays.copyOf(end, n);
                    stage = Arrays.copyOf(stage, n);
                    microBatch = Arrays.copyOf(microBatch, n);
                    alpha = Arrays.copyOf(alpha, n);
                }
                start[size] = s;
                end[size] = e;
                stage[size] = st;
                microBatch[size] = mb;
                alpha[size] = a;
                size++;
            }
        }

        static boolean isBand(SliceKind k) {
            return !k.isCompute() && k != SliceKind.OPTIMIZER;
        }

        /**
         * @param t0      seconds where column 0 starts
         * @param span    seconds the columns cover; 0 draws every slice exactly
         * @param columns columns the span is cut into
         * @param scale   axis units per second
         */
        static SliceDataset build(List<PipelineSlice> slices, double t0, double span, int columns, double scale) {
            double res = span > 0 ? span / columns : 0;
            double wide = KEEP_APART_COLUMNS * res;
            List<PipelineSlice> sorted = new ArrayList<>();
            for (PipelineSlice s : slices) {
                if (s.endSeconds() >= s.startSeconds()) { // also drops NaN
                    sorted.add(s);
                }
            }
            sorted.sort(Comparator.comparingInt(PipelineSlice::stage).thenComparingDouble(PipelineSlice::startSeconds)
                    .thenComparingDouble(PipelineSlice::endSeconds).thenComparing(PipelineSlice::kind)
                    .thenComparingInt(PipelineSlice::microBatch).thenComparingInt(PipelineSlice::chunk));
            SliceKind[] all = SliceKind.values();
            Bars[] byKind = new Bars[all.length];
            for (SliceKind k : all) {
                byKind[k.ordinal()] = new Bars();
            }
            SliceDataset d = new SliceDataset();
            double[][] cover = null;
            int i = 0;
            while (i < sorted.size()) {
                int stage = sorted.get(i).stage();
                boolean covered = false;
                for (; i < sorted.size() && sorted.get(i).stage() == stage; i++) {
                    PipelineSlice s = sorted.get(i);
                    Bars b = byKind[s.kind().ordinal()];
                    if (res == 0 || s.seconds() >= wide) {
                        int last = b.size - 1;
                        if (isBand(s.kind()) && last >= 0 && b.stage[last] == stage && b.alpha[last] == BAND_ALPHA
                                && s.startSeconds() < b.end[last]) {
                            b.end[last] = Math.max(b.end[last], s.endSeconds()); // overlapping bands: draw the union
                        } else {
                            b.add(s.startSeconds(), s.endSeconds(), stage, s.microBatch(), isBand(s.kind()) ? BAND_ALPHA : 255);
                        }
                        continue;
                    }
                    if (cover == null) {
                        cover = new double[all.length][columns];
                    }
                    covered = true;
                    d.rasterised++;
                    int c0 = Math.max(0, Math.min(columns - 1, (int) Math.floor((s.startSeconds() - t0) / res)));
                    int c1 = Math.max(c0, Math.min(columns - 1, (int) Math.floor((s.endSeconds() - t0) / res)));
                    for (int c = c0; c <= c1; c++) {
                        double overlap = Math.min(s.endSeconds(), t0 + (c + 1) * res) - Math.max(s.startSeconds(), t0 + c * res);
                        cover[s.kind().ordinal()][c] += Math.max(overlap, res * 1e-6); // a zero-length slice still shows
                    }
                }
                if (covered) {
                    raster(cover, stage, t0, res, byKind);
                    for (double[] row : cover) {
                        Arrays.fill(row, 0);
                    }
                }
            }
            for (SliceKind k : DRAW_ORDER) {
                Bars b = byKind[k.ordinal()];
                if (b.size > 0) {
                    for (int j = 0; j < b.size; j++) {
                        b.start[j] *= scale;
                        b.end[j] *= scale;
                    }
                    d.kinds.add(k);
                    d.bars.add(b);
                }
            }
            return d;
        }

        /** Turns one stage's per-column coverage into runs of bars (see the class comment). */
        private static void raster(double[][] cover, int stage, double t0, double res, Bars[] byKind) {
            int columns = cover[0].length;
            int runKind = -1;
            int runStart = 0;
            for (int c = 0; c <= columns; c++) {
                int best = -1;
                if (c < columns) {
                    for (SliceKind k : DRAW_ORDER) {
                        int o = k.ordinal();
                        if (!isBand(k) && cover[o][c] > 0 && (best < 0 || cover[o][c] > cover[best][c])) {
                            best = o;
                        }
                    }
                }
                if (best != runKind) {
                    if (runKind >= 0) {
                        byKind[runKind].add(t0 + runStart * res, t0 + c * res, stage, -1, 255);
                    }
                    runKind = best;
                    runStart = c;
                }
            }
            for (SliceKind k : DRAW_ORDER) {
                if (!isBand(k)) {
                    continue;
                }
                double[] row = cover[k.ordinal()];
                int runAlpha = 0;
                runStart = 0;
                for (int c = 0; c <= columns; c++) {
                    int alpha = 0;
                    if (c < columns && row[c] > 0) {
                        int level = (int) Math.ceil(Math.min(1, row[c] / res) * 4); // 1 … 4
                        alpha = FAINTEST_BAND_ALPHA + (BAND_ALPHA - FAINTEST_BAND_ALPHA) * (level - 1) / 3;
                    }
                    if (alpha != runAlpha) {
                        if (runAlpha > 0) {
                            byKind[k.ordinal()].add(t0 + runStart * res, t0 + c * res, stage, -1, runAlpha);
                        }
                        runAlpha = alpha;
                        runStart = c;
                    }
                }
            }
        }

        /** Slices too short to draw on their own, rasterised into columns. */
        int rasterised() {
            return rasterised;
        }

        int alpha(int series, int item) {
            return bars.get(series).alpha[item];
        }

        List<SliceKind> kinds() {
            return List.copyOf(kinds);
        }

        SliceKind kind(int series) {
            return kinds.get(series);
        }

        int microBatch(int series, int item) {
            return bars.get(series).microBatch[item];
        }

        /** Bars drawn, over all kinds. */
        int drawn() {
            return bars.stream().mapToInt(b -> b.size).sum();
        }

        @Override
        public int getSeriesCount() {
            return kinds.size();
        }

        @Override
        public Comparable<String> getSeriesKey(int series) {
            return KIND_NAMES.get(kinds.get(series));
        }

        @Override
        public int getItemCount(int series) {
            return bars.get(series).size;
        }

        @Override
        public DomainOrder getDomainOrder() {
            return DomainOrder.NONE; // sorted by stage first, so JFreeChart must not assume x is ascending
        }

        @Override
        public Number getX(int series, int item) {
            return getStartXValue(series, item);
        }

        @Override
        public double getStartXValue(int series, int item) {
            return bars.get(series).start[item];
        }

        @Override
        public double getEndXValue(int series, int item) {
            return bars.get(series).end[item];
        }

        @Override
        public Number getStartX(int series, int item) {
            return getStartXValue(series, item);
        }

        @Override
        public Number getEndX(int series, int item) {
            return getEndXValue(series, item);
        }

        @Override
        public Number getY(int series, int item) {
            return bars.get(series).stage[item];
        }

        @Override
        public Number getStartY(int series, int item) {
            return bars.get(series).stage[item] - BAR_HALF;
        }

        @Override
        public Number getEndY(int series, int item) {
            return bars.get(series).stage[item] + BAR_HALF;
        }
    }

    /**
     * Draws a {@link SliceDataset}: solid bars for computation and the optimizer, translucent bands in the lower part
     * of the row for communication (pass 0), then micro-batch numbers inside compute bars wide enough for them (pass 1).
     */
    private static final class SliceRenderer extends AbstractXYItemRenderer {
        private static final long serialVersionUID = 1L;
        private static final BasicStroke SEPARATOR = new BasicStroke(0.8f);
        private static final BasicStroke BAND_BORDER = new BasicStroke(1.5f);

        @Override
        public int getPassCount() {
            return 2;
        }

        private static boolean isBand(SliceKind k) {
            return SliceDataset.isBand(k);
        }

        private static Color paint(SliceKind k, int alpha) {
            Color c = KIND_COLOURS.get(k);
            return alpha >= 255 ? c : new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
        }

        @Override
        public LegendItem getLegendItem(int datasetIndex, int series) {
            SliceDataset d = (SliceDataset) getPlot().getDataset(datasetIndex);
            SliceKind k = d.kind(series);
            Rectangle2D shape = isBand(k) ? new Rectangle2D.Double(-6, 0, 12, 5) : new Rectangle2D.Double(-6, -5, 12, 10);
            LegendItem item = new LegendItem(KIND_NAMES.get(k), paint(k, isBand(k) ? SliceDataset.BAND_ALPHA : 255));
            item.setShape(shape);
            item.setSeriesKey(d.getSeriesKey(series));
            item.setSeriesIndex(series);
            item.setDataset(d);
            item.setDatasetIndex(datasetIndex);
            return item;
        }

        @Override
        public void drawItem(Graphics2D g2, XYItemRendererState state, Rectangle2D dataArea, PlotRenderingInfo info,
                             XYPlot plot, ValueAxis domainAxis, ValueAxis rangeAxis, XYDataset dataset, int series,
                             int item, CrosshairState crosshairState, int pass) {
            SliceDataset d = (SliceDataset) dataset;
            SliceKind k = d.kind(series);
            double x0 = domainAxis.valueToJava2D(d.getStartXValue(series, item), dataArea, plot.getDomainAxisEdge());
            double x1 = domainAxis.valueToJava2D(d.getEndXValue(series, item), dataArea, plot.getDomainAxisEdge());
            double stage = d.getYValue(series, item);
            double top = rangeAxis.valueToJava2D(stage + (isBand(k) ? BAND_TOP : -BAR_HALF), dataArea,
                    plot.getRangeAxisEdge());
            double bottom = rangeAxis.valueToJava2D(stage + BAR_HALF, dataArea, plot.getRangeAxisEdge());
            double w = Math.max(x1 - x0, 0.75); // a slice shorter than a pixel still shows
            double h = bottom - top;
            if (pass == 0) {
                int alpha = d.alpha(series, item);
                g2.setPaint(paint(k, alpha));
                Rectangle2D r = new Rectangle2D.Double(x0, top, w, h);
                g2.fill(r);
                if (isBand(k) && w >= 3 && h >= 3) {
                    // an opaque border names the band's kind where its translucent fill blends with the bar below
                    g2.setPaint(paint(k, Math.min(255, alpha * 17 / 10)));
                    g2.setStroke(BAND_BORDER);
                    g2.draw(new Rectangle2D.Double(x0 + 0.75, top + 0.75, w - 1.5, h - 1.5));
                } else if (!isBand(k) && w >= 4 && h >= 4) {
                    // a white hairline keeps back-to-back micro-batches of one kind apart
                    g2.setPaint(Color.WHITE);
                    g2.setStroke(SEPARATOR);
                    g2.draw(r);
                }
                return;
            }
            int mb = d.microBatch(series, item);
            if (!k.isCompute() || mb < 0) {
                return;
            }
            // the label sits in the part of the bar above the communication band, so overlapped comm does not hide it
            double labelBottom = rangeAxis.valueToJava2D(stage + BAND_TOP, dataArea, plot.getRangeAxisEdge());
            double room = labelBottom - top;
            int size = (int) Math.min(12, Math.floor(room * 0.8));
            if (size < 7) {
                return;
            }
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, size);
            FontMetrics fm = g2.getFontMetrics(font);
            String text = Integer.toString(mb);
            int tw = fm.stringWidth(text);
            if (tw + 4 > w) {
                return;
            }
            g2.setFont(font);
            g2.setPaint(Color.WHITE);
            float tx = (float) (x0 + (w - tw) / 2);
            float ty = (float) (top + (room + fm.getAscent() - fm.getDescent()) / 2);
            g2.drawString(text, tx, ty);
        }
    }

    // ---------------------------------------------------------------- time breakdown

    private static Path breakdown(Path file, String title, List<StageTime> times, int stages) throws IOException {
        List<StageTime> sorted = times.stream().sorted(Comparator.comparingInt(StageTime::stage)).toList();
        double[] sums = new double[StageTime.NAMES.size()];
        for (StageTime t : sorted) {
            double[] c = t.components();
            for (int i = 0; i < c.length; i++) {
                sums[i] += c[i];
            }
        }
        // components that are zero on every stage stay out of the legend; colours follow the component, not the series
        CategoryTableXYDataset data = new CategoryTableXYDataset();
        List<Color> colours = new ArrayList<>();
        for (int i = 0; i < sums.length; i++) {
            if (sums[i] <= 0 && !sorted.isEmpty()) {
                continue;
            }
            colours.add(TIME_COLOURS[i]);
            for (StageTime t : sorted) {
                data.add(t.stage(), t.components()[i], TIME_LABELS[i], false);
            }
        }
        data.setIntervalWidth(1.0);
        StackedXYBarRenderer bars = barRenderer(stages);
        NumberAxis x = new NumberAxis("pipeline stage");
        NumberAxis y = new NumberAxis("time per step (s)");
        XYPlot plot = new XYPlot(sorted.isEmpty() ? null : data, x, y, bars);
        plot.setNoDataMessage("no stage times recorded");
        JFreeChart chart = new JFreeChart("Step time breakdown per pipeline stage — " + title,
                JFreeChart.DEFAULT_TITLE_FONT, plot, !sorted.isEmpty());
        double total = Arrays.stream(sums).sum();
        StageTime slowest = sorted.stream().max(Comparator.comparingDouble(StageTime::totalSeconds)).orElse(null);
        String sub = slowest == null ? title : String.format(Locale.ROOT,
                "%s — %d stages; slowest stage %d at %.4g s; of all stage time, bubble %.1f%%, exposed TP/DP/EP/p2p comm %.1f%%",
                title, sorted.size(), slowest.stage(), slowest.totalSeconds(), pct(sums[3], total),
                pct(sums[1] + sums[2] + sums[4] + sums[7], total));
        ChartStyle.apply(chart, sub);
        for (int s = 0; s < colours.size(); s++) {
            bars.setSeriesPaint(s, colours.get(s));
        }
        stageCategoryAxis(x, stages);
        plot.setDomainGridlinesVisible(false);
        ChartStyle.save(chart, file);
        return file;
    }

    /** Bytes as GiB with three significant digits and no trailing zeros: "80", "5.25", "0.5". */
    static String gib(double bytes) {
        if (!Double.isFinite(bytes) || bytes == 0) {
            return "0";
        }
        return new java.math.BigDecimal(bytes / GIB).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static double pct(double part, double whole) {
        return whole > 0 ? 100 * part / whole : 0;
    }

    private static StackedXYBarRenderer barRenderer(int stages) {
        // gaps between bars shrink with many stages so each bar keeps a few pixels
        StackedXYBarRenderer bars = new StackedXYBarRenderer(stages > MANY_STAGES ? 0.1 : 0.25);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        bars.setDrawBarOutline(false);
        return bars;
    }

    // ---------------------------------------------------------------- memory

    private static Path memory(Path file, String title, List<StageMemory> memory, int stages) throws IOException {
        List<StageMemory> sorted = memory.stream().sorted(Comparator.comparingInt(StageMemory::stage)).toList();
        CategoryTableXYDataset data = new CategoryTableXYDataset();
        for (int i = 0; i < MEMORY_LABELS.length; i++) {
            for (StageMemory m : sorted) {
                double[] parts = {m.weightsBytes(), m.gradientsBytes(), m.optimizerBytes(), m.activationsBytes()};
                data.add(m.stage(), parts[i] / GIB, MEMORY_LABELS[i], false);
            }
        }
        data.setIntervalWidth(1.0);
        StackedXYBarRenderer bars = barRenderer(stages);
        NumberAxis x = new NumberAxis("pipeline stage");
        NumberAxis y = new NumberAxis("peak memory of the most loaded device (GiB)");
        XYPlot plot = new XYPlot(sorted.isEmpty() ? null : data, x, y, bars);
        plot.setNoDataMessage("no stage memory recorded");
        JFreeChart chart = new JFreeChart("Peak device memory per pipeline stage — " + title,
                JFreeChart.DEFAULT_TITLE_FONT, plot, !sorted.isEmpty());

        // capacity: one labelled line when every stage has the same device, else a dashed line over each bar
        List<String> devices = new ArrayList<>();
        double top = 0;
        List<StageMemory> over = new ArrayList<>();
        for (StageMemory m : sorted) {
            String device = m.device() + " " + gib(m.capacityBytes()) + " GiB";
            if (!devices.contains(device)) {
                devices.add(device);
            }
            top = Math.max(top, Math.max(m.totalBytes(), m.capacityBytes()) / GIB);
            if (!m.fits()) {
                over.add(m);
            }
        }
        BasicStroke capStroke = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {8f, 4f}, 0f);
        Color capColour = new Color(0x333333);
        if (devices.size() == 1) {
            StageMemory m = sorted.get(0);
            ValueMarker cap = new ValueMarker(m.capacityBytes() / GIB, capColour, capStroke);
            cap.setLabel(m.device() + " capacity " + gib(m.capacityBytes()) + " GiB");
            cap.setLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            cap.setLabelPaint(capColour);
            cap.setLabelBackgroundColor(new Color(255, 255, 255, 210)); // readable where it crosses a bar
            cap.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            cap.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
            plot.addRangeMarker(cap, Layer.FOREGROUND);
        } else {
            for (StageMemory m : sorted) {
                double c = m.capacityBytes() / GIB;
                plot.addAnnotation(new XYLineAnnotation(m.stage() - 0.45, c, m.stage() + 0.45, c, capStroke, capColour));
            }
        }
        for (StageMemory m : over) {
            plot.addDomainMarker(new IntervalMarker(m.stage() - 0.5, m.stage() + 0.5, OVER_CAPACITY), Layer.BACKGROUND);
            if (stages <= MANY_STAGES / 2) { // wide bars: say by how much
                XYTextAnnotation note = new XYTextAnnotation("+" + gib(m.totalBytes() - m.capacityBytes()) + " GiB",
                        m.stage(), m.totalBytes() / GIB);
                note.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                note.setPaint(new Color(0xb2182b));
                note.setTextAnchor(TextAnchor.BOTTOM_CENTER);
                plot.addAnnotation(note);
            }
        }

        String sub = title;
        if (!sorted.isEmpty()) {
            String perStage = devices.size() == 1 ? "" : "; dashes mark each stage's device capacity ("
                    + String.join(", ", devices) + ")";
            sub += over.isEmpty()
                    ? " — every stage fits" + perStage
                    : String.format(Locale.ROOT, " — %d of %d stages over capacity (red background)%s", over.size(),
                            sorted.size(), perStage);
        }
        ChartStyle.apply(chart, sub);
        for (int s = 0; s < MEMORY_COLOURS.length; s++) {
            bars.setSeriesPaint(s, MEMORY_COLOURS[s]);
        }
        if (!sorted.isEmpty()) {
            LegendItemCollection legend = new LegendItemCollection();
            legend.addAll(plot.getLegendItems());
            if (devices.size() > 1) {
                LegendItem cap = new LegendItem("device capacity", null, null, null, new java.awt.geom.Line2D.Double(-9, 0, 9, 0),
                        capStroke, capColour);
                legend.add(cap);
            }
            if (!over.isEmpty()) {
                LegendItem flag = new LegendItem("over capacity", (Paint) OVER_CAPACITY);
                flag.setShape(new Rectangle2D.Double(-6, -6, 12, 12));
                legend.add(flag);
            }
            plot.setFixedLegendItems(legend);
        }
        stageCategoryAxis(x, stages);
        if (top > 0) {
            y.setRange(0, top * 1.12); // room above the capacity line for its label
        }
        plot.setDomainGridlinesVisible(false);
        ChartStyle.save(chart, file);
        return file;
    }
}
