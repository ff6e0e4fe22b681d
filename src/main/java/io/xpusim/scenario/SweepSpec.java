package io.xpusim.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A checked sweep file: the base scenario, the grid of dotted paths and their values (every combination is a
 * point, the last path varying fastest), the replications per point (each with its own seed), and what the
 * charts show.
 *
 * @param name         names the results folder (the file name without .yaml unless {@code name:} is given)
 * @param file         the sweep file
 * @param base         the base scenario, resolved against the sweep file's folder
 * @param replications runs per point; replication 0 uses the point's own seed, replication r a seed derived from it
 */
public record SweepSpec(String name, Path file, Path base, List<Axis> axes, int replications, ChartSpec charts) {
    /** One swept path, its values as written, and where the path is written (for errors about the path). */
    public record Axis(String path, List<YamlNode> values, Location keyAt) {
        /** Each value as text: a scalar as written, a list or mapping in flow style. */
        public List<String> texts() {
            return values.stream().map(SweepSpec::flow).toList();
        }
    }

    /**
     * What the sweep's charts show: metrics (dotted names under the summary's {@code metrics}; empty for the
     * defaults of the scenario's kind) and a Pareto front of one metric to maximise against one to minimise
     * (null names for the default). Locations point at the names for warnings.
     */
    public record ChartSpec(List<String> metrics, List<Location> metricsAt, String maximize, Location maximizeAt,
                            String minimize, Location minimizeAt) {
    }

    /** Number of points: the product of the axes' value counts. */
    public int points() {
        long n = 1;
        for (Axis a : axes) {
            n *= a.values().size();
        }
        return (int) n;
    }

    /** The value index on each axis of point {@code point} (mixed radix, last axis fastest). */
    public int[] coordinates(int point) {
        int[] c = new int[axes.size()];
        int rest = point;
        for (int i = axes.size() - 1; i >= 0; i--) {
            int size = axes.get(i).values().size();
            c[i] = rest % size;
            rest /= size;
        }
        return c;
    }

    /** The value texts of point {@code point}, one per axis. */
    public List<String> texts(int point) {
        int[] c = coordinates(point);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.length; i++) {
            out.add(flow(axes.get(i).values().get(c[i])));
        }
        return out;
    }

    /** A YAML value in one line: scalars as written, lists as [a, b], mappings as {k: v}. */
    static String flow(YamlNode n) {
        if (n instanceof YamlNode.Scalar s) {
            return s.isNull() ? "" : s.text();
        }
        StringBuilder b = new StringBuilder();
        if (n instanceof YamlNode.Sequence s) {
            b.append('[');
            for (int i = 0; i < s.items().size(); i++) {
                b.append(i == 0 ? "" : ", ").append(flow(s.items().get(i)));
            }
            return b.append(']').toString();
        }
        YamlNode.Mapping m = (YamlNode.Mapping) n;
        b.append('{');
        boolean first = true;
        for (var e : m.entries().entrySet()) {
            b.append(first ? "" : ", ").append(e.getKey()).append(": ").append(flow(e.getValue()));
            first = false;
        }
        return b.append('}').toString();
    }
}
