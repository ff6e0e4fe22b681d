package io.xpusim.experiment;

import io.xpusim.metrics.ConfidenceInterval;
import io.xpusim.report.SweepTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a sweep's points and their stored summaries into its table: every numeric leaf under a summary's
 * {@code metrics} becomes a metric (dotted name; booleans as 1/0; list items by index, except the per-replica
 * rows, whose count varies), averaged over the point's replications with its Student-t 95% interval.
 * Metrics are ordered by first appearance, scanning points by index: the same for any thread or shard count.
 */
public final class SweepResults {
    /** Finds the stored summary of a run hash (a sweep folder's store, or one of several shards'). */
    @FunctionalInterface
    public interface Summaries {
        Map<String, Object> summary(String hash) throws IOException;
    }

    private SweepResults() {
    }

    public static SweepTable table(SweepDefinition def, List<SweepManifest.Point> points, Summaries store) throws IOException {
        List<List<Map<String, Double>>> perPoint = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (SweepManifest.Point p : points) {
            List<Map<String, Double>> runs = new ArrayList<>();
            for (SweepManifest.Run r : p.runs()) {
                Map<String, Double> flat = new LinkedHashMap<>();
                Object metrics = store.summary(r.hash()).get("metrics");
                if (metrics instanceof Map<?, ?> m) {
                    flatten("", m, flat);
                }
                names.addAll(flat.keySet());
                runs.add(flat);
            }
            perPoint.add(runs);
        }
        List<String> metrics = new ArrayList<>(names);
        List<SweepTable.Row> rows = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            SweepManifest.Point p = points.get(i);
            List<Map<String, Double>> runs = perPoint.get(i);
            double[] mean = new double[metrics.size()];
            double[] low = new double[metrics.size()];
            double[] high = new double[metrics.size()];
            for (int k = 0; k < metrics.size(); k++) {
                double[] v = new double[runs.size()];
                for (int r = 0; r < v.length; r++) {
                    v[r] = runs.get(r).getOrDefault(metrics.get(k), Double.NaN);
                }
                ConfidenceInterval ci = ConfidenceInterval.of95(v);
                mean[k] = ci.mean();
                low[k] = ci.low();
                high[k] = ci.high();
            }
            rows.add(new SweepTable.Row(p.point(), p.values(), runs.size(), mean, low, high, p.error() == null, p.error()));
        }
        return new SweepTable(def.name(), def.parameters(), metrics, rows);
    }

    private static void flatten(String prefix, Object node, Map<String, Double> out) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (prefix.isEmpty() && key.equals("per_replica")) {
                    continue;
                }
                flatten(prefix.isEmpty() ? key : prefix + "." + key, e.getValue(), out);
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                flatten(prefix + "." + i, l.get(i), out);
            }
        } else if (node instanceof Number x) {
            out.put(prefix, x.doubleValue());
        } else if (node instanceof Boolean b) {
            out.put(prefix, b ? 1.0 : 0.0);
        } else if (node == null && !prefix.isEmpty()) {
            out.put(prefix, Double.NaN); // JSON null: a NaN the run did compute (e.g. TPOT of one-token outputs)
        }
    }
}
