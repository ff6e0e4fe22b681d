package io.xpusim.report;

import io.xpusim.units.DataSize;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.html} of one run, of any kind: the run at a glance, its metrics and setup from the summary (lists
 * of rows — replicas, collective sizes — and tables of tables as tables, the rest as name/value rows with units
 * read from the names), every chart it wrote, the resolved scenario and the provenance.
 */
public final class RunReport {
    public static final String FILE = "report.html";
    private static final Set<String> RUN_KEYS = Set.of("scenario", "kind", "seed", "fidelity", "complete", "stop_reason",
            "simulated_time_s", "events");

    private RunReport() {
    }

    /** Writes {@code report.html} into {@code dir}; {@code charts} are file names in it, run.yaml is read from it. */
    @SuppressWarnings("unchecked")
    public static String write(Path dir, Map<String, Object> summary, String description, List<String> charts,
                               Provenance provenance) throws IOException {
        String name = String.valueOf(summary.get("scenario"));
        HtmlReport h = new HtmlReport("xpusim report: " + name, description);
        h.section("run", "Run");
        List<String[]> run = new ArrayList<>();
        for (String k : RUN_KEYS.stream().sorted().toList()) {
            if (summary.containsKey(k)) {
                run.add(new String[] {k, value(k, summary.get(k))});
            }
        }
        h.keyValues(run);
        if (summary.get("metrics") instanceof Map<?, ?> m) {
            h.section("metrics", "Metrics");
            tree(h, (Map<String, Object>) m);
        }
        if (summary.get("setup") instanceof Map<?, ?> s) {
            h.section("setup", "Setup");
            tree(h, (Map<String, Object>) s);
        }
        h.charts(dir, charts, "chart of " + name);
        h.scenarioFile(dir.resolve("run.yaml"), "Resolved scenario (run.yaml)",
                "Every profile inlined and every default filled: xpusim run run.yaml reproduces this run.");
        h.provenance(provenance);
        h.write(dir.resolve(FILE));
        return FILE;
    }

    /** Scalars as name/value rows; lists of mappings and mappings of mappings as tables of their own. */
    @SuppressWarnings("unchecked")
    static void tree(HtmlReport h, Map<String, Object> node) {
        List<String[]> scalars = new ArrayList<>();
        List<Runnable> tables = new ArrayList<>();
        for (Map.Entry<String, Object> e : node.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (v instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(x -> x instanceof Map)) {
                tables.add(() -> rowsTable(h, key, null, (List<Map<String, Object>>) l));
            } else if (v instanceof Map<?, ?> m && !m.isEmpty() && m.values().stream().allMatch(x -> x instanceof Map)) {
                List<Map<String, Object>> rows = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (Map.Entry<?, ?> r : m.entrySet()) {
                    names.add(String.valueOf(r.getKey()));
                    rows.add((Map<String, Object>) r.getValue());
                }
                tables.add(() -> rowsTable(h, key, names, rows));
            } else {
                flatten(key, v, scalars);
            }
        }
        if (!scalars.isEmpty()) {
            h.keyValues(scalars);
        }
        tables.forEach(Runnable::run);
    }

    private static void rowsTable(HtmlReport h, String title, List<String> names, List<Map<String, Object>> rows) {
        List<List<String[]>> flat = new ArrayList<>();
        Set<String> columns = new LinkedHashSet<>();
        for (Map<String, Object> r : rows) {
            List<String[]> cells = new ArrayList<>();
            for (Map.Entry<String, Object> e : r.entrySet()) {
                flatten(e.getKey(), e.getValue(), cells);
            }
            cells.forEach(c -> columns.add(c[0]));
            flat.add(cells);
        }
        List<String> header = new ArrayList<>();
        if (names != null) {
            header.add("");
        }
        header.addAll(columns);
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < flat.size(); i++) {
            List<String> row = new ArrayList<>();
            if (names != null) {
                row.add(names.get(i));
            }
            for (String c : columns) {
                row.add(flat.get(i).stream().filter(x -> x[0].equals(c)).map(x -> x[1]).findFirst().orElse(""));
            }
            out.add(row);
        }
        h.paragraph(title.replace('_', ' ') + ":");
        h.table(header, out);
    }

    private static void flatten(String key, Object v, List<String[]> out) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                out.add(new String[] {key, "—"});
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                flatten(key + "." + e.getKey(), e.getValue(), out);
            }
        } else if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) {
                parts.add(o instanceof Map || o instanceof List ? String.valueOf(o) : value(key, o));
            }
            out.add(new String[] {key, String.join(", ", parts)});
        } else {
            out.add(new String[] {key, value(key, v)});
        }
    }

    /** A value with a unit read from its name: seconds (key or a parent key ending in _s), bytes, fractions as %. */
    static String value(String key, Object v) {
        if (v == null) {
            return "—";
        }
        if (!(v instanceof Number n)) {
            return String.valueOf(v);
        }
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
            return "—";
        }
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        if (key.contains("bytes") || leaf.matches("weights|gradients|optimizer|activations|total|capacity")
                && key.contains("memory")) {
            return num(d) + " (" + num(d / DataSize.BYTES_PER_GIB) + " GiB)";
        }
        if (key.matches(".*(_s|_s\\.(mean|p50|p90|p99|max|min))$") && !key.endsWith("per_s")) {
            return d != 0 && Math.abs(d) < 1 ? num(d * 1e3) + " ms" : num(d) + " s";
        }
        if (leaf.matches(".*(fraction|utilisation|attainment|_rate|acceptance)$") || leaf.equals("mfu") || leaf.equals("hfu")) {
            return num(100 * d) + " %";
        }
        return num(d);
    }

    /** Four significant digits, plain notation, Locale-independent; whole numbers in full. */
    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        if (d != 0 && (Math.abs(d) < 1e-4 || Math.abs(d) >= 1e12)) {
            return String.format(Locale.ROOT, "%.4g", d);
        }
        return new BigDecimal(d).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
