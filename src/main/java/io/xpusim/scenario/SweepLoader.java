package io.xpusim.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a sweep file strictly ({@code base:} plus {@code sweep: {grid, replications, charts}}), with
 * file:line:col errors and "did you mean" like a scenario. The grid's paths are not checked here: every point
 * is bound against the base by {@link SweepPoints}, so any path the scenario schema knows can be swept.
 */
public final class SweepLoader {
    /** More points than this is surely a mistake (and would overflow the point index). */
    public static final int MAX_POINTS = 1_000_000;
    public static final int MAX_REPLICATIONS = 1_000;

    private SweepLoader() {
    }

    /** Whether {@code file} reads as a sweep file (a mapping with {@code sweep:} and no scenario {@code schema:}). */
    public static boolean isSweepFile(Path file) {
        return hasTopKeyNotSchema(file, "sweep");
    }

    /** Whether {@code file} is a mapping with the top-level {@code key} and no {@code schema:} (not a scenario). */
    static boolean hasTopKeyNotSchema(Path file, String key) {
        try {
            return YamlReader.readFile(file, file.toString()) instanceof YamlNode.Mapping m && m.get(key) != null
                    && m.get("schema") == null;
        } catch (ScenarioException e) {
            return false; // the scenario loader reports it
        }
    }

    public static SweepSpec load(Path file) {
        YamlNode root = YamlReader.readFile(file, file.toString());
        Fields f = Fields.of(root, "");
        for (String key : List.of("base", "name", "description", "sweep")) {
            f.has(key);
        }
        f.finish(); // a typo'd key is reported as such, before a missing one
        String baseText = f.string("base");
        Path dir = file.toAbsolutePath().getParent();
        Path base = dir == null ? Path.of(baseText) : relative(dir.resolve(baseText).normalize());
        String stem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = f.string("name", stem);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new ScenarioException(f.has("name") ? f.locationOf("name") : f.location(), "sweep name '" + name
                    + "' is not usable as a folder name", "use letters, digits, '.', '_' and '-' (or add name: my-sweep)");
        }
        f.string("description", "");
        Fields s = f.object("sweep");
        for (String key : List.of("grid", "replications", "charts")) {
            s.has(key);
        }
        s.finish();
        List<SweepSpec.Axis> axes = axes(s);
        int replications = s.intValue("replications", 1, 1, MAX_REPLICATIONS);
        SweepSpec.ChartSpec charts = charts(s);
        s.finish();
        f.finish();
        SweepSpec spec = new SweepSpec(name, file, base, axes, replications, charts);
        return spec;
    }

    private static Path relative(Path abs) {
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) ? cwd.relativize(abs) : abs;
    }

    private static List<SweepSpec.Axis> axes(Fields s) {
        YamlNode g = s.node("grid");
        if (!(g instanceof YamlNode.Mapping m) || m.entries().isEmpty()) {
            throw new ScenarioException(g.location(), "'sweep.grid' must map dotted paths to lists of values",
                    "e.g. grid: { workload.arrivals.rate: [2/s, 4/s], strategy.parallelism.tp: [1, 2] }");
        }
        List<SweepSpec.Axis> axes = new ArrayList<>();
        long points = 1;
        for (var e : m.entries().entrySet()) {
            String path = e.getKey();
            Location keyAt = m.keyLocations().get(path);
            if (!path.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
                throw new ScenarioException(keyAt, "'" + path + "' is not a dotted path into the scenario",
                        "e.g. strategy.parallelism.tp or cluster.nodes.0.count");
            }
            if (!(e.getValue() instanceof YamlNode.Sequence seq) || seq.items().isEmpty()) {
                throw new ScenarioException(e.getValue().location(), "'sweep.grid." + path + "' must be a non-empty list of "
                        + "values, not " + e.getValue().describe(), "write it as [a, b, c]");
            }
            Set<String> seen = new HashSet<>();
            for (YamlNode v : seq.items()) {
                String text = SweepSpec.flow(v);
                if (!seen.add(text)) {
                    throw new ScenarioException(v.location(), "value '" + text + "' appears twice in 'sweep.grid." + path + "'",
                            "each value makes a point; for repeated runs use replications");
                }
            }
            points *= seq.items().size();
            if (points > MAX_POINTS) {
                throw new ScenarioException(e.getValue().location(), "the grid has more than " + MAX_POINTS + " points",
                        "sweep fewer values, or split the study into several sweeps");
            }
            axes.add(new SweepSpec.Axis(path, List.copyOf(seq.items()), keyAt));
        }
        return axes;
    }

    private static SweepSpec.ChartSpec charts(Fields s) {
        Fields c = s.optionalObject("charts");
        List<String> metrics = new ArrayList<>();
        List<Location> metricsAt = new ArrayList<>();
        if (c.has("metrics")) {
            for (YamlNode n : c.list("metrics")) {
                if (!(n instanceof YamlNode.Scalar sc) || sc.isNull()) {
                    throw new ScenarioException(n.location(), "'sweep.charts.metrics' lists metric names, not " + n.describe(),
                            "e.g. [throughput_output_tokens_per_s, ttft_s.p90]");
                }
                metrics.add(sc.text());
                metricsAt.add(sc.location());
            }
        }
        String max = null;
        String min = null;
        Location maxAt = null;
        Location minAt = null;
        if (c.has("pareto")) {
            Fields p = c.object("pareto");
            max = p.string("maximize");
            maxAt = p.locationOf("maximize");
            min = p.string("minimize");
            minAt = p.locationOf("minimize");
            p.finish();
        }
        c.finish();
        return new SweepSpec.ChartSpec(List.copyOf(metrics), List.copyOf(metricsAt), max, maxAt, min, minAt);
    }
}
