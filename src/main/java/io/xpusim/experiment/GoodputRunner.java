package io.xpusim.experiment;

import io.xpusim.report.CsvWriter;
import io.xpusim.report.GoodputCharts;
import io.xpusim.report.GoodputReport;
import io.xpusim.report.JsonWriter;
import io.xpusim.report.YamlTreeWriter;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioKind;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.workload.ArrivalSpec;
import io.xpusim.workload.WorkloadSpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Goodput of a serving scenario file: each probe reloads the scenario with {@code workload.arrivals.rate}
 * overridden (the same {@code --set} path a user would write) and the same seed, simulates it in full, and
 * reads the SLO verdict from its summary; {@link GoodputSearch} picks the rates. A probe keeps the scenario's
 * stopping rule: with {@code duration} it simulates that long a window of arrivals (more requests at higher
 * rates), with {@code requests} that many requests (a shorter window at higher rates).
 */
public final class GoodputRunner {
    public static final String SCHEMA = "xpusim-goodput/v1";
    private static final String RATE_PATH = "workload.arrivals.rate";

    private final Path file;
    private final List<String> overrides;
    private final Scenario base;
    private RunResult bestMet; // the highest-rate probe that met the SLO: its run becomes summary.json

    /** Loads and checks the scenario: serving, synthetic arrivals with a rate, and an SLO; else a ScenarioException. */
    public GoodputRunner(Path file, List<String> overrides) {
        this.file = file;
        this.overrides = List.copyOf(overrides);
        this.base = ScenarioLoader.load(file, overrides);
        if (base.kind() != ScenarioKind.SERVING) {
            throw new ScenarioException(ScenarioLoader.locate(file, overrides, "kind"), "goodput searches the request rate "
                    + "of a serving scenario; this one is kind: " + base.kind().name().toLowerCase(Locale.ROOT),
                    "use xpusim run for collective and training scenarios");
        }
        if (!(base.workload() instanceof WorkloadSpec.Synthetic syn)) {
            throw new ScenarioException(ScenarioLoader.locate(file, overrides, "workload.trace"), "goodput varies the "
                    + "arrival rate, and a trace replay has no rate to vary", "use synthetic arrivals: { process: poisson, "
                    + "rate: 10/s } with the trace's length mix, or scale the trace with trace.time-scale in xpusim run");
        } else if (syn.arrivals() instanceof ArrivalSpec.Burst) {
            throw new ScenarioException(ScenarioLoader.locate(file, overrides, "workload.arrivals.process"),
                    "goodput varies the arrival rate, and a burst (every request at t=0) has none",
                    "use process: poisson (or gamma) with a rate");
        }
        if (base.slo().isEmpty()) {
            throw new ScenarioException(ScenarioLoader.locate(file, overrides, "slo"), "goodput is the highest rate "
                    + "meeting the SLO, and this scenario has no slo targets", "add e.g. slo: { ttft-p90: 200ms, "
                    + "tpot-p90: 100ms, attainment: 0.9 }, or --set slo.ttft-p90=200ms");
        }
    }

    /** The scenario as loaded (seed included), at its own rate. */
    public Scenario scenario() {
        return base;
    }

    /** The scenario's own arrival rate, where the search starts. */
    public double scenarioRate() {
        return ((WorkloadSpec.Synthetic) base.workload()).arrivals().ratePerSecond();
    }

    /** Simulates the scenario at {@code ratePerSecond} and judges its SLO. */
    public GoodputSearch.Probe probe(double ratePerSecond) {
        List<String> all = new ArrayList<>(overrides);
        all.add(RATE_PATH + "=" + BigDecimal.valueOf(ratePerSecond).stripTrailingZeros().toPlainString() + "/s");
        all.add("seed=" + base.seed());
        Scenario s = ScenarioLoader.load(file, all);
        long t0 = System.nanoTime();
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        double wall = (System.nanoTime() - t0) / 1e9;
        GoodputSearch.Probe p = judge(ratePerSecond, r.summary(), wall);
        if (p.met() && (bestMet == null || ratePerSecond > bestRate(bestMet))) {
            bestMet = r;
        }
        return p;
    }

    /** A probe from a finished run's summary: met when every SLO target was ({@code slo.all_met}). */
    public static GoodputSearch.Probe judge(double ratePerSecond, Map<String, Object> summary, double wallSeconds) {
        Map<String, Object> m = map(summary.get("metrics"));
        Map<String, Object> ttft = map(m.get("ttft_s"));
        Map<String, Object> tpot = map(m.get("tpot_s"));
        boolean met = Boolean.TRUE.equals(map(m.get("slo")).get("all_met"));
        double attainment = m.get("slo_attainment") instanceof Double a ? a : Double.NaN;
        return new GoodputSearch.Probe(ratePerSecond, attainment, d(ttft.get("p50")), d(ttft.get("p90")),
                d(ttft.get("p99")), d(tpot.get("p50")), d(tpot.get("p90")), d(tpot.get("p99")),
                d(m.get("throughput_requests_per_s")), met, wallSeconds);
    }

    /**
     * Devices serving the scenario: every device of both pools under disaggregation, of every replica group, tp × pp per
     * replica, and a spare device per replica whose draft model runs on its own.
     */
    public int devices() {
        return ServingLayoutSummary.devicesUsed(base);
    }

    /**
     * Writes goodput.json, probes.csv, the two charts and, when some rate met the SLO, run.yaml and summary.json
     * of the probe at the goodput (its summary gaining {@code metrics.goodput_requests_per_s}). Returns the files.
     */
    public List<String> write(Path dir, GoodputSearch.Result result, double min, double max, double tolerance,
                              double wallSeconds) throws IOException {
        List<String> files = new ArrayList<>();
        double goodput = result.goodput();
        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", SCHEMA);
        root.put("scenario", base.name());
        root.put("seed", base.seed());
        root.put("slo", sloTree());
        LinkedHashMap<String, Object> search = new LinkedHashMap<>();
        search.put("start_requests_per_s", GoodputSearch.round(Math.min(max, Math.max(min, scenarioRate()))));
        search.put("min_requests_per_s", min);
        search.put("max_requests_per_s", max);
        search.put("tolerance", tolerance);
        search.put("outcome", result.outcome());
        search.put("probe_workload", probeWorkload());
        root.put("search", search);
        root.put("devices", (long) devices());
        if (ServingLayoutSummary.devicesByPool(base) != null) {
            root.put("devices_by_pool", ServingLayoutSummary.devicesByPool(base));
        }
        root.put("goodput_requests_per_s", goodput);
        root.put("goodput_requests_per_s_per_device", goodput / devices());
        List<Object> probes = new ArrayList<>();
        for (GoodputSearch.Probe p : result.probes()) {
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("rate", p.rate());
            row.put("attainment", p.attainment());
            row.put("ttft_p50", p.ttftP50());
            row.put("ttft_p90", p.ttftP90());
            row.put("ttft_p99", p.ttftP99());
            row.put("tpot_p50", p.tpotP50());
            row.put("tpot_p90", p.tpotP90());
            row.put("tpot_p99", p.tpotP99());
            row.put("throughput", p.throughput());
            row.put("met", p.met());
            row.put("wall_time_s", p.wallSeconds());
            probes.add(row);
        }
        root.put("probes", probes);
        root.put("wall_time_s", wallSeconds);
        JsonWriter.write(dir.resolve("goodput.json"), root);
        files.add("goodput.json");

        List<GoodputSearch.Probe> ps = result.probes();
        double[][] rows = new double[ps.size()][];
        for (int i = 0; i < rows.length; i++) {
            GoodputSearch.Probe p = ps.get(i);
            rows[i] = new double[] {i + 1, p.rate(), p.attainment(), p.ttftP50(), p.ttftP90(), p.ttftP99(), p.tpotP50(),
                p.tpotP90(), p.tpotP99(), p.throughput(), p.met() ? 1 : 0};
        }
        CsvWriter.table(dir.resolve("probes.csv"), List.of("probe", "rate_per_s", "attainment", "ttft_p50_s", "ttft_p90_s",
                "ttft_p99_s", "tpot_p50_s", "tpot_p90_s", "tpot_p99_s", "throughput_requests_per_s", "met"), rows);
        files.add("probes.csv");

        List<GoodputSearch.Probe> sorted = new ArrayList<>(ps);
        sorted.sort(Comparator.comparingDouble(GoodputSearch.Probe::rate));
        int n = sorted.size();
        double[] rates = new double[n];
        double[] attain = new double[n];
        double[][] ttft = new double[3][n];
        double[][] tpot = new double[3][n];
        for (int i = 0; i < n; i++) {
            GoodputSearch.Probe p = sorted.get(i);
            rates[i] = p.rate();
            attain[i] = p.attainment();
            ttft[0][i] = p.ttftP50();
            ttft[1][i] = p.ttftP90();
            ttft[2][i] = p.ttftP99();
            tpot[0][i] = p.tpotP50();
            tpot[1][i] = p.tpotP90();
            tpot[2][i] = p.tpotP99();
        }
        if (base.slo().hasPerRequestTargets()) {
            files.add(GoodputCharts.attainment(dir, base.name(), rates, attain, base.slo().attainment(), goodput));
        }
        Map<String, Double> targets = new LinkedHashMap<>(base.slo().thresholdsSeconds());
        base.slo().perRequestSeconds().forEach((k, v) -> {
            if (!v.equals(targets.get(k + "-p50")) && !v.equals(targets.get(k + "-p90")) && !v.equals(targets.get(k + "-p99"))) {
                targets.put(k, v); // DistServe form: the per-request target repeats the percentile one
            }
        });
        files.add(GoodputCharts.latency(dir, base.name(), rates, ttft, tpot, targets, goodput));

        RunResult atGoodput = bestMet;
        if (atGoodput != null && bestRate(atGoodput) == goodput) {
            YamlTreeWriter.write(dir.resolve("run.yaml"), "The scenario at the goodput rate, as probed.\n"
                    + "Reproduce with: xpusim run run.yaml", atGoodput.scenario().resolvedYaml());
            files.add("run.yaml");
            LinkedHashMap<String, Object> summary = new LinkedHashMap<>(atGoodput.summary());
            LinkedHashMap<String, Object> metrics = new LinkedHashMap<>(map(summary.get("metrics")));
            metrics.put("goodput_requests_per_s", goodput);
            metrics.put("goodput_requests_per_s_per_device", goodput / devices());
            summary.put("metrics", metrics);
            JsonWriter.write(dir.resolve("summary.json"), summary);
            files.add("summary.json");
        }
        files.add(report(dir, result, min, max, tolerance, files));
        return files;
    }

    private String report(Path dir, GoodputSearch.Result result, double min, double max, double tolerance,
                          List<String> files) throws IOException {
        double goodput = result.goodput();
        List<String[]> answer = new ArrayList<>();
        answer.add(new String[] {"goodput", num(goodput) + " requests/s"});
        answer.add(new String[] {"per device", num(goodput / devices()) + " requests/s on " + devices() + " device(s)"});
        answer.add(new String[] {"outcome", switch (result.outcome()) {
            case "at-max" -> "the SLO still holds at the search's maximum; the goodput is at least this";
            case "below-min" -> "the SLO is missed even at the search's minimum";
            default -> String.format(Locale.ROOT, "bracketed within %.0f%%", 100 * tolerance);
        }});
        answer.add(new String[] {"SLO", sloText()});
        answer.add(new String[] {"search range", num(min) + " to " + num(max) + " requests/s"});
        answer.add(new String[] {"each probe", probeWorkload()});
        List<List<String>> rows = new ArrayList<>();
        int i = 0;
        for (GoodputSearch.Probe p : result.probes()) {
            rows.add(List.of(Integer.toString(++i), num(p.rate()), Double.isNaN(p.attainment()) ? "–"
                            : String.format(Locale.ROOT, "%.1f%%", 100 * p.attainment()), ms(p.ttftP90()),
                    ms(p.tpotP90()), num(p.throughput()), p.met() ? "met" : "not met"));
        }
        List<String> charts = files.stream().filter(f -> f.endsWith(".png")).toList();
        return GoodputReport.write(dir, base.name(), "Highest request rate of " + base.name() + " meeting its SLO",
                answer, List.of("probe", "rate (req/s)", "attainment", "TTFT p90 (ms)", "TPOT p90 (ms)",
                        "throughput (req/s)", "SLO"), rows, charts, ScenarioRunner.provenance(base));
    }

    /** The SLO as a user wrote it: {@code ttft-p90 200 ms, tpot-p90 100 ms; per request: …, attainment 90%}. */
    private String sloText() {
        List<String> parts = new ArrayList<>();
        base.slo().thresholdsSeconds().forEach((k, v) -> parts.add(k + " " + ms(v) + " ms"));
        String text = String.join(", ", parts);
        if (base.slo().hasPerRequestTargets()) {
            List<String> per = new ArrayList<>();
            base.slo().perRequestSeconds().forEach((k, v) -> per.add(k + " " + ms(v) + " ms"));
            text += (text.isEmpty() ? "" : "; ") + "per request " + String.join(", ", per) + " for "
                    + num(100 * base.slo().attainment()) + "% of requests";
        }
        return text;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String ms(double seconds) {
        return Double.isNaN(seconds) ? "–" : String.format(Locale.ROOT, "%.1f", 1e3 * seconds);
    }

    /** What one probe simulates, in words, for goodput.json. */
    public String probeWorkload() {
        WorkloadSpec.Synthetic w = (WorkloadSpec.Synthetic) base.workload();
        String process = w.arrivals() instanceof ArrivalSpec.Gamma g ? "gamma arrivals (cv " + g.cv() + ")" : "Poisson arrivals";
        if (w.durationPicos() != Long.MAX_VALUE && w.maxRequests() != Long.MAX_VALUE) {
            return process + " for " + w.durationPicos() / 1e12 + " s or " + w.maxRequests()
                    + " requests, whichever ends first, at the probe's rate; seed " + base.seed() + " for every probe";
        }
        if (w.durationPicos() != Long.MAX_VALUE) {
            return process + " for " + w.durationPicos() / 1e12 + " s at the probe's rate (about rate × duration requests); "
                    + "seed " + base.seed() + " for every probe";
        }
        return w.maxRequests() + " requests with " + process + " at the probe's rate (a window of about requests / rate); "
                + "seed " + base.seed() + " for every probe";
    }

    private Map<String, Object> sloTree() {
        LinkedHashMap<String, Object> slo = new LinkedHashMap<>();
        base.slo().thresholdsSeconds().forEach((k, v) -> slo.put(k + "_s", v));
        if (base.slo().hasPerRequestTargets()) {
            LinkedHashMap<String, Object> per = new LinkedHashMap<>();
            base.slo().perRequestSeconds().forEach((k, v) -> per.put(k + "_s", v));
            slo.put("per_request", per);
            slo.put("attainment", base.slo().attainment());
        }
        return slo;
    }

    private static double bestRate(RunResult r) {
        return ((WorkloadSpec.Synthetic) r.scenario().workload()).arrivals().ratePerSecond();
    }

    private static double d(Object o) {
        return o instanceof Double x ? x : Double.NaN;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    /** Runs the whole search; {@code progress} sees each probe. */
    public GoodputSearch.Result search(double min, double max, double tolerance, Consumer<GoodputSearch.Probe> progress) {
        return GoodputSearch.search(this::probe, scenarioRate(), min, max, tolerance, progress);
    }
}
