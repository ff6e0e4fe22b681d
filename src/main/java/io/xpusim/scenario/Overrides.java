package io.xpusim.scenario;

import java.util.List;

/**
 * Applies {@code --set dotted.path=value} overrides to a scenario's YAML tree before it is bound, so an
 * override is checked exactly like the file (units, types, ranges). Missing mappings on the path are
 * created; numeric segments index lists. A value starting with {@code [} or <code>{</code> is read as a YAML
 * flow list or mapping ({@code --set collective.sizes=[1MiB,8MiB]}), by the same strict reader as files.
 */
final class Overrides {
    private Overrides() {
    }

    static void apply(YamlNode root, List<String> assignments) {
        int n = 0;
        for (String a : assignments) {
            n++;
            Location at = new Location("--set #" + n, 1, 1);
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new ScenarioException(at, "'" + a + "' is not of the form path=value", "e.g. --set strategy.parallelism.tp=4");
            }
            String path = a.substring(0, eq).strip();
            String value = a.substring(eq + 1).strip();
            Location valueAt = new Location("--set " + path, 1, eq + 2);
            YamlNode newValue = value.startsWith("[") || value.startsWith("{")
                    ? YamlReader.read(value, "--set " + path) : new YamlNode.Scalar(value, value.isEmpty(), valueAt);
            set(root, path, newValue, at, valueAt);
        }
    }

    /**
     * Puts {@code value} at {@code path}: {@code pathAt} locates errors about the path itself, {@code keyAt}
     * becomes the location of the keys (and created mappings) written, so a later "unknown key" points there.
     */
    static void set(YamlNode root, String path, YamlNode value, Location pathAt, Location keyAt) {
        String[] parts = path.split("\\.", -1);
        YamlNode node = root;
        for (int i = 0; i < parts.length; i++) {
            String key = parts[i];
            if (key.isEmpty()) {
                throw ScenarioException.aboutKey(pathAt, "empty segment in path '" + path + "'", null);
            }
            boolean last = i == parts.length - 1;
            if (node instanceof YamlNode.Mapping m) {
                if (last) {
                    m.put(key, value, keyAt);
                } else {
                    YamlNode next = m.get(key);
                    if (next == null) {
                        next = new YamlNode.Mapping(keyAt);
                        m.put(key, next, keyAt);
                    }
                    node = next;
                }
            } else if (node instanceof YamlNode.Sequence s) {
                int index;
                try {
                    index = Integer.parseInt(key);
                } catch (NumberFormatException e) {
                    throw ScenarioException.aboutKey(pathAt, "'" + String.join(".", List.of(parts).subList(0, i)) + "' is a list; '"
                            + key + "' is not an index", "use a number, e.g. cluster.nodes.0.count=2");
                }
                if (index < 0 || index >= s.items().size()) {
                    throw ScenarioException.aboutKey(pathAt, "index " + index + " is outside the list of " + s.items().size(), null);
                }
                if (last) {
                    s.items().set(index, value);
                } else {
                    node = s.items().get(index);
                }
            } else {
                throw ScenarioException.aboutKey(pathAt, "cannot set '" + path + "': '" + String.join(".", List.of(parts).subList(0, i))
                        + "' is a single value, not a mapping", null);
            }
        }
    }
}
