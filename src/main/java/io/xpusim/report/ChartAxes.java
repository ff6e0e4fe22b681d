package io.xpusim.report;

import io.xpusim.units.DataSize;
import io.xpusim.units.Frequency;
import io.xpusim.units.QuantityFormatException;
import io.xpusim.units.TimeSpan;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import java.util.function.ToDoubleFunction;

/**
 * How a sweep's parameter and metric names become chart axes: a parameter whose values all read as plain numbers
 * or as one kind of quantity (rate, time, size) is numeric in its unit, otherwise categorical (one tick per value,
 * in grid order); a metric is scaled to a readable unit guessed from its name's suffix (ms for latencies, % for
 * fractions).
 */
final class ChartAxes {
    private ChartAxes() {
    }

    /**
     * Widens {@code axis}, already attached to its plot, so that {@code value} — a marker such as a target — lies
     * inside it with a 5% margin: JFreeChart auto-ranges on the data alone, and a line outside it is not drawn.
     */
    static void reach(ValueAxis axis, double value) {
        if (!(value > 0 || axis instanceof NumberAxis) || Double.isNaN(value) || axis.getRange().contains(value)) {
            return;
        }
        double lo = Math.min(axis.getLowerBound(), value);
        double hi = Math.max(axis.getUpperBound(), value);
        if (axis instanceof LogAxis) {
            axis.setRange(lo / 1.2, hi * 1.2);
        } else {
            axis.setRange(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
        }
    }

    /** A parameter axis: numeric positions ({@code numeric}) or value indices, and the axis label with its unit. */
    record Parameter(String label, double[] positions, boolean numeric, List<String> texts) {
    }

    /** A metric axis: a label with unit and the factor from the summary's unit to the label's. */
    record Metric(String label, double scale) {
    }

    static Parameter parameter(String path, List<String> texts) {
        Parameter p = tryUnit(path, texts, t -> Double.parseDouble(t.strip()), "");
        if (p == null) {
            p = tryUnit(path, texts, t -> Frequency.parse(t).perSecond(), " (per s)");
        }
        if (p == null) {
            p = tryUnit(path, texts, t -> TimeSpan.parse(t).seconds(), " (s)");
        }
        if (p == null) {
            p = tryUnit(path, texts, t -> DataSize.parse(t).gib(), " (GiB)");
        }
        if (p != null) {
            return p;
        }
        double[] index = new double[texts.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i;
        }
        return new Parameter(path, index, false, texts);
    }

    private static Parameter tryUnit(String path, List<String> texts, ToDoubleFunction<String> parse, String unit) {
        double[] v = new double[texts.size()];
        try {
            for (int i = 0; i < v.length; i++) {
                v[i] = parse.applyAsDouble(texts.get(i));
                if (!Double.isFinite(v[i])) {
                    return null;
                }
            }
        } catch (NumberFormatException | QuantityFormatException e) {
            return null;
        }
        return new Parameter(path + unit, v, true, texts);
    }

    static Metric metric(String name) {
        String head = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        String tail = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
        if (name.equals("throughput_output_tokens_per_s")) {
            return new Metric("output tokens/s", 1);
        }
        if (name.equals("throughput_requests_per_s")) {
            return new Metric("completed requests/s", 1);
        }
        if (head.matches("(ttft|tpot|tbt|e2e)_s")) {
            String what = head.substring(0, head.length() - 2).toUpperCase(Locale.ROOT) + " " + tail;
            return head.startsWith("e2e") ? new Metric(what + " (s)", 1) : new Metric(what + " (ms)", 1e3);
        }
        if (name.matches(".*(fraction|utilisation|attainment|_rate|acceptance)$") || name.equals("mfu") || name.equals("hfu")) {
            return new Metric(name + " (%)", 100);
        }
        java.util.regex.Matcher c = java.util.regex.Pattern.compile("collectives\\.(\\d+)\\.(\\w+)_gb_per_s").matcher(name);
        if (c.matches()) {
            return new Metric(c.group(2) + " #" + c.group(1) + " (GB/s)", 1);
        }
        if (name.endsWith("_per_s")) {
            return new Metric(name.substring(0, name.length() - "_per_s".length()).replace('_', ' ') + " per s", 1);
        }
        if (name.endsWith("_s")) {
            return new Metric(name + " (s)", 1);
        }
        return new Metric(name, 1);
    }

    /** A file-name-safe form of a metric or parameter name. */
    static String slug(String name) {
        return name.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    /** Whether values from {@code lo} to {@code hi} (both positive) span enough to need a log scale. */
    static boolean spansDecades(double lo, double hi) {
        return lo > 0 && hi > 20 * lo;
    }

    /** A value axis over [lo, hi]: log-scaled (one tick per decade) when that spans decades, else linear. */
    static ValueAxis valueAxis(String label, double lo, double hi) {
        return valueAxis(label, lo, hi, 20);
    }

    /** As above, log-scaled only when hi exceeds {@code factor} × lo. */
    static ValueAxis valueAxis(String label, double lo, double hi, double factor) {
        if (lo > 0 && hi > factor * lo) {
            LogAxis log = new LogAxis(label + ", log scale");
            log.setBase(10);
            log.setSmallestValue(lo / 2);
            log.setTickUnit(new NumberTickUnit(1.0));
            log.setNumberFormatOverride(new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
            return log;
        }
        NumberAxis y = new NumberAxis(label);
        y.setAutoRangeIncludesZero(false);
        return y;
    }
}
