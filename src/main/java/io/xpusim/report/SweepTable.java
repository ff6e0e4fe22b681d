package io.xpusim.report;

import java.util.List;

/**
 * The finished table of a sweep: one row per point with the swept values as written, and per metric the mean
 * over the point's replications and its Student-t 95% bounds (NaN when undefined), whether the point's
 * configuration ran ({@code fits}) and, if not, why.
 *
 * @param parameters the swept dotted paths, in grid order
 * @param metrics    metric names (dotted paths under the summary's {@code metrics}), in order of first appearance
 */
public record SweepTable(String name, List<String> parameters, List<String> metrics, List<Row> rows) {
    /** One point; {@code mean}, {@code low} and {@code high} are indexed like {@link #metrics()}. */
    public record Row(int point, List<String> values, int replications, double[] mean, double[] low, double[] high,
                      boolean fits, String error) {
    }

    /** The column of {@code metric}, or -1. */
    public int metricIndex(String metric) {
        return metrics.indexOf(metric);
    }
}
