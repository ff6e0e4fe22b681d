package io.xpusim.experiment;

import io.xpusim.report.JsonWriter;
import io.xpusim.report.ParetoChart;
import io.xpusim.report.PlanReport;
import io.xpusim.report.Provenance;
import io.xpusim.scenario.Deployment;
import io.xpusim.scenario.PlanSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/** Writes a plan's results: plan.csv (every configuration), plan.json, cost_vs_goodput.png and report.html. */
public final class PlanOutputs {
    /** The plan's manifest (schema xpusim-plan/v1). */
    public static final String FILE = "plan.json";

    static final List<String> COLUMNS = List.of("rank", "status", "kind", "configuration", "nodes", "devices", "scheduler",
            "cost_per_hour_usd", "estimated_goodput_per_s", "verified_goodput_per_s", "headroom", "meets_target");
    static final List<String> TOP_HEADER = List.of("rank", "configuration", "devices", "$/hour", "goodput (req/s)",
            "headroom", "status");

    private PlanOutputs() {
    }

    public static List<String> write(Path dir, PlanSpec spec, Planner.Result r, Provenance provenance) throws IOException {
        List<String> files = new ArrayList<>();
        double target = spec.targetLoadPerSecond();
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("plan.csv"), StandardCharsets.UTF_8)) {
            w.write(String.join(",", COLUMNS) + "\n");
            int rank = 0;
            for (PlanCandidate c : r.candidates()) {
                boolean pruned = c.status().startsWith("pruned");
                w.write(String.join(",", pruned ? "" : Integer.toString(++rank), csv(c.status()), c.deployment().kind(),
                        csv(c.deployment().label()), Integer.toString(c.nodes()), Integer.toString(c.devices()),
                        c.deployment().scheduler(), num(c.costPerHourUsd()), num(c.estimatedGoodput()),
                        num(c.verifiedGoodput()), pruned ? "" : num(c.headroom(target)),
                        pruned ? "0" : c.goodput() >= target ? "1" : "0") + "\n");
            }
        }
        files.add("plan.csv");
        List<PlanCandidate> top = top(spec, r);
        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", Planner.SCHEMA);
        root.put("name", spec.name());
        root.put("base", spec.base().toString());
        root.put("target_load_per_s", target);
        root.put("objective", spec.costObjective() ? "cost" : "devices");
        root.put("configurations_explored", r.explored());
        root.put("configurations_pruned_before_simulation", r.prunedConfigurations());
        root.put("units", (long) r.units().size());
        root.put("units_pruned", r.units().stream().filter(u -> u.pruned() != null).count());
        List<Object> units = new ArrayList<>();
        for (Planner.Unit u : r.units()) {
            LinkedHashMap<String, Object> m = new LinkedHashMap<>();
            m.put("configuration", u.deployment().label());
            m.put("goodput_requests_per_s", u.pruned() == null ? u.goodput() : null);
            m.put("search_outcome", u.outcome());
            m.put("pruned", u.pruned());
            units.add(m);
        }
        root.put("unit_results", units);
        List<Object> best = new ArrayList<>();
        for (PlanCandidate c : top) {
            best.add(tree(c, target));
        }
        root.put("top", best);
        JsonWriter.write(dir.resolve(FILE), root);
        files.add(FILE);

        List<PlanCandidate> shown = r.candidates().stream().filter(c -> !c.status().startsWith("pruned")).toList();
        double[] cost = shown.stream().mapToDouble(c -> spec.costObjective() ? c.costPerHourUsd() : c.devices()).toArray();
        double[] goodput = shown.stream().mapToDouble(PlanCandidate::goodput).toArray();
        String[] labels = shown.stream().map(c -> c.deployment().label()).toArray(String[]::new);
        if (!shown.isEmpty()) {
            files.add(ParetoChart.write(dir, "cost_vs_goodput.png", (spec.costObjective() ? "Hourly cost" : "Devices")
                    + " vs goodput", spec.name() + " — " + shown.size() + " configurations (verified where simulated, "
                    + "else estimated from their units); dashed: the target load",
                    new ParetoChart.Objective(spec.costObjective() ? "cost (USD per hour)" : "devices", cost, false),
                    new ParetoChart.Objective("goodput (requests/s meeting the SLO)", goodput, true), labels, target,
                    "target " + spec.targetLoadText()));
        }
        List<String[]> search = new ArrayList<>();
        search.add(new String[] {"base scenario", spec.base().toString()});
        search.add(new String[] {"target load", spec.targetLoadText()});
        search.add(new String[] {"objective", spec.costObjective() ? "hourly cost" : "device count"});
        search.add(new String[] {"configurations explored", Long.toString(r.explored())});
        search.add(new String[] {"pruned before simulating (memory, divisibility)", Long.toString(r.prunedConfigurations())});
        // how many searches this process ran or reused depends on earlier runs and shards: stderr says it, not the report
        search.add(new String[] {"unit goodput searches", r.units().size() + " units"});
        List<String> charts = files.stream().filter(f -> f.endsWith(".png")).toList();
        files.add(PlanReport.write(dir, spec.name(), "Cheapest configuration serving " + spec.targetLoadText()
                + " within the SLO of " + spec.base(), search, TOP_HEADER, topRows(top, target), charts, provenance));
        return files;
    }

    /** The best configurations to show: verified ones first, then estimates meeting the target. */
    static List<PlanCandidate> top(PlanSpec spec, Planner.Result r) {
        return r.candidates().stream().filter(c -> !c.status().startsWith("pruned") && !c.status().equals("verified-miss")
                && c.goodput() >= spec.targetLoadPerSecond()).limit(spec.top()).toList();
    }

    static List<List<String>> topRows(List<PlanCandidate> top, double target) {
        List<List<String>> rows = new ArrayList<>();
        int rank = 0;
        for (PlanCandidate c : top) {
            rows.add(List.of(Integer.toString(++rank), c.deployment().label(), Integer.toString(c.devices()),
                    String.format(Locale.ROOT, "%.2f", c.costPerHourUsd()), sig(c.goodput()),
                    String.format(Locale.ROOT, "%+.0f%%", 100 * c.headroom(target)), c.status()));
        }
        return rows;
    }

    private static LinkedHashMap<String, Object> tree(PlanCandidate c, double target) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        Deployment d = c.deployment();
        m.put("configuration", d.label());
        m.put("kind", d.kind());
        List<Object> groups = new ArrayList<>();
        for (Deployment.Group g : d.groups()) {
            LinkedHashMap<String, Object> gm = new LinkedHashMap<>();
            gm.put("node", g.node());
            gm.put("nodes", (long) g.nodes());
            gm.put("replicas", (long) g.replicas());
            gm.put("tp", (long) g.tp());
            if (g.pp() > 1) {
                gm.put("pp", (long) g.pp());
            }
            if (g.attentionDp() > 1) {
                gm.put("attention_dp", (long) g.attentionDp());
            }
            if (g.ep() > 1) {
                gm.put("ep", (long) g.ep());
            }
            groups.add(gm);
        }
        m.put("groups", groups);
        if (d.disaggregated()) {
            m.put("prefill_replicas", (long) d.prefill());
            m.put("decode_replicas", (long) d.decode());
        }
        m.put("scheduler", d.scheduler());
        m.put("router", d.router());
        m.put("devices", (long) c.devices());
        m.put("cost_per_hour_usd", c.costPerHourUsd());
        m.put("estimated_goodput_per_s", c.estimatedGoodput());
        m.put("verified_goodput_per_s", c.verifiedGoodput());
        m.put("headroom", c.headroom(target));
        m.put("status", c.status());
        return m;
    }

    public static String sig(double v) {
        return Double.isNaN(v) ? "" : new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : sig(v);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
