package io.xpusim.scenario;

import io.xpusim.units.QuantityFormatException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Typed, strict access to one YAML mapping. Every getter says what it expects, so a wrong type, a missing
 * key or an out-of-range value becomes a located {@link ScenarioException}; {@link #finish()} rejects keys
 * nobody asked for, with "did you mean". As values are read, the effective value of every field —
 * including defaults — is recorded in {@link #resolved()}, which becomes the reproducible {@code run.yaml}.
 */
final class Fields {
    private final YamlNode.Mapping map;
    private final String path;
    private final Set<String> known = new LinkedHashSet<>();
    private final LinkedHashMap<String, Object> resolved = new LinkedHashMap<>();

    private Fields(YamlNode.Mapping map, String path) {
        this.map = map;
        this.path = path;
    }

    /** Reads {@code node} as a mapping; {@code path} names it in messages (empty for the document root). */
    static Fields of(YamlNode node, String path) {
        if (!(node instanceof YamlNode.Mapping m)) {
            throw new ScenarioException(node.location(), (path.isEmpty() ? "the document" : "'" + path + "'")
                    + " must be a mapping of keys to values, not " + node.describe(), "write key: value lines");
        }
        return new Fields(m, path);
    }

    String path() {
        return path;
    }

    Location location() {
        return map.location();
    }

    LinkedHashMap<String, Object> resolved() {
        return resolved;
    }

    void putResolved(String key, Object value) {
        resolved.put(key, value);
    }

    boolean has(String key) {
        known.add(key);
        YamlNode n = map.get(key);
        return n != null && !(n instanceof YamlNode.Scalar s && s.isNull());
    }

    /** The raw node for {@code key}; required. */
    YamlNode node(String key) {
        known.add(key);
        YamlNode n = map.get(key);
        if (n == null || n instanceof YamlNode.Scalar s && s.isNull()) {
            throw new ScenarioException(n == null ? map.location() : n.location(),
                    "missing required key '" + qualified(key) + "'", null);
        }
        return n;
    }

    /** Location of the value of {@code key}, or of this mapping when absent. */
    Location locationOf(String key) {
        YamlNode n = map.get(key);
        return n == null ? map.location() : n.location();
    }

    String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private YamlNode.Scalar scalar(String key) {
        YamlNode n = node(key);
        if (!(n instanceof YamlNode.Scalar s)) {
            throw new ScenarioException(n.location(), "'" + qualified(key) + "' must be a single value, not " + n.describe(), null);
        }
        return s;
    }

    String string(String key) {
        String v = scalar(key).text();
        resolved.put(key, v);
        return v;
    }

    String string(String key, String dflt) {
        return has(key) ? string(key) : record(key, dflt);
    }

    String choice(String key, Collection<String> allowed, String dflt) {
        if (!has(key) && dflt != null) {
            return record(key, dflt);
        }
        YamlNode.Scalar s = scalar(key);
        if (!allowed.contains(s.text())) {
            throw new ScenarioException(s.location(), "unknown value '" + s.text() + "' for '" + qualified(key) + "'",
                    DidYouMean.hint(s.text(), allowed));
        }
        resolved.put(key, s.text());
        return s.text();
    }

    long integer(String key, long min, long max) {
        YamlNode.Scalar s = scalar(key);
        String t = s.text().strip().replace("_", "");
        long v;
        try {
            v = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new ScenarioException(s.location(), "'" + qualified(key) + "' must be a whole number, not " + s.describe(),
                    null);
        }
        if (v < min || v > max) {
            throw new ScenarioException(s.location(), "'" + qualified(key) + "' is " + v + "; it must be "
                    + range(min, max), null);
        }
        resolved.put(key, v);
        return v;
    }

    long integer(String key, long dflt, long min, long max) {
        return has(key) ? integer(key, min, max) : record(key, dflt);
    }

    int intValue(String key, int min, int max) {
        return (int) integer(key, min, max);
    }

    int intValue(String key, int dflt, int min, int max) {
        return (int) integer(key, dflt, min, max);
    }

    double number(String key, double min, double max) {
        YamlNode.Scalar s = scalar(key);
        double v;
        try {
            v = Double.parseDouble(s.text().strip());
        } catch (NumberFormatException e) {
            throw new ScenarioException(s.location(), "'" + qualified(key) + "' must be a number, not " + s.describe(),
                    looksLikeQuantity(s.text()) ? "this field takes a plain number without a unit" : null);
        }
        if (!Double.isFinite(v) || v < min || v > max) {
            throw new ScenarioException(s.location(), "'" + qualified(key) + "' is " + s.text().strip() + "; it must be "
                    + range(min, max), null);
        }
        resolved.put(key, v);
        return v;
    }

    double number(String key, double dflt, double min, double max) {
        return has(key) ? number(key, min, max) : record(key, dflt);
    }

    boolean bool(String key, boolean dflt) {
        if (!has(key)) {
            return record(key, dflt);
        }
        YamlNode.Scalar s = scalar(key);
        return switch (s.text().strip()) {
            case "true" -> record(key, true);
            case "false" -> record(key, false);
            default -> throw new ScenarioException(s.location(), "'" + qualified(key) + "' must be true or false, not "
                    + s.describe(), null);
        };
    }

    /** A value with a unit, parsed by {@code parser} (e.g. {@code Bandwidth::parse}). */
    <T> T quantity(String key, Function<String, T> parser) {
        YamlNode.Scalar s = scalar(key);
        try {
            T v = parser.apply(s.text());
            resolved.put(key, s.text().strip());
            return v;
        } catch (QuantityFormatException e) {
            throw new ScenarioException(s.location(), "'" + qualified(key) + "': " + e.getMessage(), e.hint());
        }
    }

    <T> T quantity(String key, Function<String, T> parser, String dflt) {
        if (has(key)) {
            return quantity(key, parser);
        }
        resolved.put(key, dflt);
        return parser.apply(dflt);
    }

    Fields object(String key) {
        Fields f = Fields.of(node(key), qualified(key));
        resolved.put(key, f.resolved());
        return f;
    }

    /** An optional mapping: an empty one when absent, so defaults still get recorded. */
    Fields optionalObject(String key) {
        if (has(key)) {
            return object(key);
        }
        Fields f = new Fields(new YamlNode.Mapping(map.location()), qualified(key));
        resolved.put(key, f.resolved());
        return f;
    }

    List<YamlNode> list(String key) {
        YamlNode n = node(key);
        if (!(n instanceof YamlNode.Sequence s)) {
            throw new ScenarioException(n.location(), "'" + qualified(key) + "' must be a list, not " + n.describe(),
                    "write it as [a, b] or as lines starting with '- '");
        }
        return s.items();
    }

    /** Rejects keys that no getter asked for. */
    void finish() {
        for (Map.Entry<String, YamlNode> e : map.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                throw ScenarioException.aboutKey(map.keyLocations().get(e.getKey()),
                        "unknown key '" + qualified(e.getKey()) + "'", DidYouMean.hint(e.getKey(), new ArrayList<>(known)));
            }
        }
    }

    private <T> T record(String key, T value) {
        resolved.put(key, value);
        return value;
    }

    private static boolean looksLikeQuantity(String t) {
        return t.matches("\\s*[0-9.eE+-]+\\s*[A-Za-z/%µ].*");
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
            return "at least " + min;
        }
        return "between " + min + " and " + max;
    }

    private static String range(double min, double max) {
        if (max == Double.MAX_VALUE || Double.isInfinite(max)) {
            return String.format(Locale.ROOT, "at least %s", trim(min));
        }
        return String.format(Locale.ROOT, "between %s and %s", trim(min), trim(max));
    }

    private static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
