package io.xpusim.scenario;

import io.xpusim.hardware.NodeProfile;
import io.xpusim.units.Frequency;
import io.xpusim.units.QuantityFormatException;
import io.xpusim.serving.BatchSchedulers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a plan file strictly ({@code base:} plus {@code plan: {target-load, hardware, …}}), with file:line:col
 * errors: node templates are resolved here (a typo gets "did you mean"), and the base must be a serving
 * scenario with synthetic arrivals and an SLO, since a plan searches for the rate it meets.
 */
public final class PlanLoader {
    private PlanLoader() {
    }

    /** Whether {@code file} reads as a plan file (a mapping with {@code plan:} and no scenario {@code schema:}). */
    public static boolean isPlanFile(Path file) {
        return SweepLoader.hasTopKeyNotSchema(file, "plan");
    }

    public static PlanSpec load(Path file) {
        YamlNode root = YamlReader.readFile(file, file.toString());
        Fields f = Fields.of(root, "");
        for (String key : List.of("base", "name", "description", "plan")) {
            f.has(key);
        }
        f.finish();
        String baseText = f.string("base");
        Path dir = file.toAbsolutePath().getParent();
        Path base = dir == null ? Path.of(baseText) : relative(dir.resolve(baseText).normalize());
        String name = f.string("name", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new ScenarioException(f.has("name") ? f.locationOf("name") : f.location(), "plan name '" + name
                    + "' is not usable as a folder name", "use letters, digits, '.', '_' and '-' (or add name: my-plan)");
        }
        f.string("description", "");
        Fields p = f.object("plan");
        for (String key : List.of("target-load", "objective", "hardware", "tp", "schedulers", "disaggregation", "mixes",
                "max-devices", "top", "verify", "tolerance")) {
            p.has(key);
        }
        p.finish();
        String loadText = p.string("target-load");
        double load;
        try {
            load = Frequency.parse(loadText).perSecond();
        } catch (QuantityFormatException e) {
            throw new ScenarioException(p.locationOf("target-load"), "'plan.target-load': " + e.getMessage(), e.hint());
        }
        if (!(load > 0) || Double.isInfinite(load)) {
            throw new ScenarioException(p.locationOf("target-load"), "'plan.target-load' must be a positive rate", "e.g. 20/s");
        }
        boolean cost = p.choice("objective", List.of("cost", "devices"), "cost").equals("cost");
        ProfileLibrary library = ProfileLibrary.forScenario(base);
        List<PlanSpec.Hardware> hardware = hardware(p, library, cost);
        List<Integer> tps = new ArrayList<>();
        if (p.has("tp")) {
            for (YamlNode n : p.list("tp")) {
                int tp = integer(n, "plan.tp", 1, 1024);
                if (tps.contains(tp)) {
                    throw new ScenarioException(n.location(), "tp " + tp + " appears twice in 'plan.tp'", "list each once");
                }
                tps.add(tp);
            }
        } else {
            tps.addAll(List.of(1, 2, 4, 8));
        }
        List<String> schedulers = new ArrayList<>();
        if (p.has("schedulers")) {
            for (YamlNode n : p.list("schedulers")) {
                String s = text(n, "plan.schedulers");
                if (!BatchSchedulers.names().contains(s)) {
                    throw new ScenarioException(n.location(), "unknown scheduler '" + s + "' in 'plan.schedulers'",
                            DidYouMean.hint(s, BatchSchedulers.names()));
                }
                if (schedulers.contains(s)) {
                    throw new ScenarioException(n.location(), "'" + s + "' appears twice in 'plan.schedulers'", "list each once");
                }
                schedulers.add(s);
            }
        }
        List<int[]> splits = new ArrayList<>();
        if (p.has("disaggregation")) {
            for (YamlNode n : p.list("disaggregation")) {
                if (!(n instanceof YamlNode.Sequence s) || s.items().size() != 2) {
                    throw new ScenarioException(n.location(), "each 'plan.disaggregation' entry is [prefill replicas, decode "
                            + "replicas], not " + n.describe(), "e.g. disaggregation: [[1, 1], [1, 2]]");
                }
                int[] split = {integer(s.items().get(0), "plan.disaggregation", 1, 64),
                    integer(s.items().get(1), "plan.disaggregation", 1, 64)};
                if (splits.stream().anyMatch(x -> Arrays.equals(x, split))) {
                    throw new ScenarioException(n.location(), "split [" + split[0] + ", " + split[1] + "] appears twice in "
                            + "'plan.disaggregation'", "list each once");
                }
                splits.add(split);
            }
        }
        boolean mixes = p.bool("mixes", hardware.size() > 1);
        int maxDevices = p.intValue("max-devices", 64, 1, 100_000);
        int top = p.intValue("top", 10, 1, 1000);
        int verify = p.intValue("verify", 5, 0, 1000);
        double tolerance = tolerance(p);
        return new PlanSpec(name, file, base, load, loadText.strip(), cost, hardware, List.copyOf(tps),
                List.copyOf(schedulers), splits, mixes, maxDevices, top, verify, tolerance);
    }

    private static List<PlanSpec.Hardware> hardware(Fields p, ProfileLibrary library, boolean cost) {
        List<PlanSpec.Hardware> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (YamlNode n : p.list("hardware")) {
            YamlNode ref = n;
            int maxNodes = 16;
            Location at = n.location();
            if (n instanceof YamlNode.Mapping) {
                Fields h = Fields.of(n, "plan.hardware");
                ref = h.node("node");
                at = h.locationOf("node");
                maxNodes = h.intValue("max-nodes", 16, 1, 10_000);
                h.finish();
            }
            NodeProfile profile = library.node(ref, "plan.hardware").value();
            if (!seen.add(profile.name())) {
                throw new ScenarioException(at, "node '" + profile.name() + "' is listed twice in 'plan.hardware'", null);
            }
            if (cost && !(profile.pricePerHourUsd() > 0)) {
                throw new ScenarioException(at, "node '" + profile.name() + "' has no price-per-hour-usd, so its cost is "
                        + "unknown", "give the profile a price, or plan with objective: devices");
            }
            out.add(new PlanSpec.Hardware(profile.name(), profile, maxNodes));
        }
        if (out.isEmpty()) {
            throw new ScenarioException(p.locationOf("hardware"), "'plan.hardware' is empty", "list node templates, e.g. "
                    + "[dgx-h100, dgx-a100]");
        }
        return out;
    }

    private static double tolerance(Fields p) {
        if (!p.has("tolerance")) {
            return 0.05;
        }
        YamlNode n = p.node("tolerance");
        String t = text(n, "plan.tolerance").strip();
        try {
            double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).strip()) / 100 : Double.parseDouble(t);
            if (v >= 0.001 && v <= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ScenarioException(n.location(), "'plan.tolerance' must be a percentage between 0.1% and 100%, not '"
                + t + "'", "e.g. 5%");
    }

    private static int integer(YamlNode n, String what, int min, int max) {
        String t = text(n, what).strip();
        try {
            int v = Integer.parseInt(t);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ScenarioException(n.location(), "'" + what + "' takes whole numbers from " + min + " to " + max + ", not '"
                + t + "'", null);
    }

    private static String text(YamlNode n, String what) {
        if (!(n instanceof YamlNode.Scalar s) || s.isNull()) {
            throw new ScenarioException(n.location(), "'" + what + "' takes single values, not " + n.describe(), null);
        }
        return s.text();
    }

    private static Path relative(Path abs) {
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) ? cwd.relativize(abs) : abs;
    }
}
