package io.xpusim.experiment;

import io.xpusim.report.SweepCharts;
import io.xpusim.report.Provenance;
import io.xpusim.report.SweepCsv;
import io.xpusim.report.SweepReport;
import io.xpusim.report.SweepTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what a finished sweep shows — {@code sweep.csv}, the charts its shape calls for and the Pareto front —
 * from its points and stored summaries. The one writer for a single-process sweep and for {@code merge}, which
 * is why their outputs are the same.
 */
public final class SweepOutputs {
    static final List<String> SERVING_METRICS = List.of("throughput_output_tokens_per_s", "ttft_s.p90", "tpot_s.p90",
            "slo_attainment");
    static final List<String> TRAINING_METRICS = List.of("step_time_s", "tokens_per_s", "mfu");
    static final String PARETO_MAX = "throughput_output_tokens_per_s";
    static final String PARETO_MIN = "ttft_s.p90";

    /** The table, the files written (in order) and warnings for the user (chart metrics no point has). */
    public record Written(SweepTable table, List<String> files, List<String> warnings) {
    }

    private SweepOutputs() {
    }

    public static Written write(Path dir, SweepDefinition def, List<SweepManifest.Point> points,
                                SweepResults.Summaries summaries) throws IOException {
        SweepTable table = SweepResults.table(def, points, summaries);
        List<String> files = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        SweepCsv.write(dir.resolve("sweep.csv"), table);
        files.add("sweep.csv");
        List<String> metrics = chartMetrics(def, table, warnings);
        files.addAll(SweepCharts.write(dir, table, metrics));
        String max = def.paretoMaximize() != null ? def.paretoMaximize() : PARETO_MAX;
        String min = def.paretoMinimize() != null ? def.paretoMinimize() : PARETO_MIN;
        int mx = table.metricIndex(max);
        int mn = table.metricIndex(min);
        if (mx >= 0 && mn >= 0) {
            files.add(SweepCharts.pareto(dir, table, max, min));
        } else if (def.paretoMaximize() != null) {
            warnings.add("sweep.charts.pareto: " + (mx < 0 ? max : min) + " is not a metric of any point; no Pareto chart");
        }
        List<String> charts = files.stream().filter(f -> f.endsWith(".png") || f.endsWith(".svg")).toList();
        files.add(SweepReport.write(dir, table, def.values(), def.replications(), metrics, charts, provenance(def)));
        return new Written(table, files, warnings);
    }

    /** Build, and the SHA-256 of the sweep's definition (the "sweep" block of sweep.json). */
    static Provenance provenance(SweepDefinition def) {
        BuildInfo b = BuildInfo.current();
        String hash;
        try {
            hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
                    new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(def.tree())));
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new Provenance(b.version(), b.commit(), "each run's own: replication 0 the point's scenario seed, "
                + "the others derived from it (sweep.json lists them)", hash, "the sweep definition (sweep.json's sweep block)");
    }

    private static List<String> chartMetrics(SweepDefinition def, SweepTable table, List<String> warnings) {
        List<String> out = new ArrayList<>();
        if (!def.chartMetrics().isEmpty()) {
            for (String m : def.chartMetrics()) {
                if (table.metricIndex(m) >= 0) {
                    out.add(m);
                } else if (!table.metrics().isEmpty()) {
                    warnings.add("sweep.charts.metrics: '" + m + "' is not a metric of any point; not charted (metrics are "
                            + "the dotted names in sweep.csv's header, e.g. " + String.join(", ",
                            table.metrics().subList(0, Math.min(4, table.metrics().size()))) + ")");
                }
            }
            return out;
        }
        for (List<String> defaults : List.of(SERVING_METRICS, TRAINING_METRICS)) {
            for (String m : defaults) {
                if (table.metricIndex(m) >= 0) {
                    out.add(m);
                }
            }
            if (!out.isEmpty()) {
                return out;
            }
        }
        for (String m : table.metrics()) { // collectives: the bus bandwidth of each message size, up to four
            if (m.endsWith("busbw_gb_per_s") && out.size() < 4) {
                out.add(m);
            }
        }
        if (!out.isEmpty()) {
            return out;
        }
        for (int k = 0; k < table.metrics().size() && out.size() < 3; k++) { // else the first metrics that vary
            int metric = k;
            if (table.rows().stream().mapToDouble(r -> r.mean()[metric]).filter(v -> !Double.isNaN(v)).distinct().count() > 1) {
                out.add(table.metrics().get(k));
            }
        }
        return out;
    }
}
