package io.xpusim.scenario;

import io.xpusim.kernel.RandomStreams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The scenarios of a sweep: the base file read once (with the command line's {@code --set} overrides, which
 * apply to every point), then per point and replication a copy of its tree with the grid's values put at their
 * paths — the sweep file's own nodes, so an error points at the sweep file's line — and bound strictly like any
 * scenario. Safe to use from several threads: every call binds its own copy with its own profile library.
 */
public final class SweepPoints {
    private final SweepSpec spec;
    private final YamlNode base;
    private final List<String> overrides;

    /** Reads the base scenario; a missing or malformed base file is a {@link ScenarioException}. */
    public SweepPoints(SweepSpec spec, List<String> overrides) {
        this.spec = spec;
        this.base = YamlReader.readFile(spec.base(), spec.base().toString());
        this.overrides = List.copyOf(overrides);
        Overrides.apply(base, overrides);
    }

    public SweepSpec spec() {
        return spec;
    }

    /** The {@code --set} overrides every point starts from. */
    public List<String> overrides() {
        return overrides;
    }

    /** The scenario of {@code point} at {@code replication} (0 = the point's own seed); a ScenarioException if it does not bind. */
    public Scenario scenario(int point, int replication) {
        YamlNode tree = copy(base);
        int[] c = spec.coordinates(point);
        for (int i = 0; i < c.length; i++) {
            SweepSpec.Axis a = spec.axes().get(i);
            Overrides.set(tree, a.path(), copy(a.values().get(c[i])), a.keyAt(), a.keyAt());
        }
        if (replication > 0 && tree instanceof YamlNode.Mapping m && m.get("seed") instanceof YamlNode.Scalar s) {
            try {
                long seed = Long.parseLong(s.text().strip().replace("_", ""));
                String derived = Long.toString(replicationSeed(seed, replication));
                m.put("seed", new YamlNode.Scalar(derived, false, s.location()), m.keyLocations().get("seed"));
            } catch (NumberFormatException e) {
                // left as written: binding reports the bad seed at its line
            }
        }
        return ScenarioLoader.bind(tree, spec.base(), ProfileLibrary.forScenario(spec.base()));
    }

    /** The seed of replication {@code r} of a point whose scenario seed is {@code seed}: the seed itself for r = 0. */
    public static long replicationSeed(long seed, int r) {
        return r == 0 ? seed : RandomStreams.derivedSeed(seed, "replication-" + r);
    }

    /**
     * Whether {@code e} is about a swept path itself (an unknown key, a path through a single value) rather than
     * one value: then every point fails the same way and the sweep should stop before it starts. A value that does
     * not work with another axis's value (swap preemption with the static scheduler) is that point's error only.
     */
    public boolean isPathError(ScenarioException e) {
        if (!e.isAboutKey()) {
            return false;
        }
        for (SweepSpec.Axis a : spec.axes()) {
            if (a.keyAt().equals(e.location())) {
                return true;
            }
        }
        return false;
    }

    static YamlNode copy(YamlNode n) {
        if (n instanceof YamlNode.Scalar) {
            return n; // immutable
        }
        if (n instanceof YamlNode.Sequence s) {
            List<YamlNode> items = new ArrayList<>(s.items().size());
            for (YamlNode i : s.items()) {
                items.add(copy(i));
            }
            return new YamlNode.Sequence(items, s.location());
        }
        YamlNode.Mapping m = (YamlNode.Mapping) n;
        LinkedHashMap<String, YamlNode> entries = new LinkedHashMap<>();
        m.entries().forEach((k, v) -> entries.put(k, copy(v)));
        return new YamlNode.Mapping(entries, new LinkedHashMap<>(m.keyLocations()), m.location());
    }
}
