package io.xpusim.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value with the place it was written. Scalars keep their raw text: the binder decides what type a
 * field has, so YAML 1.1 surprises (octal {@code 010}, {@code on} as true) never happen behind the user's back.
 */
public sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Mapping, YamlNode.Sequence {
    Location location();

    /** What kind of value this is, for error messages. */
    String describe();

    /** A scalar: its text exactly as written (without quotes); {@code isNull} for an empty value or {@code ~}/null. */
    record Scalar(String text, boolean isNull, Location location) implements YamlNode {
        @Override
        public String describe() {
            return isNull ? "an empty value" : "'" + (text.length() > 60 ? text.substring(0, 60) + "…" : text) + "'";
        }
    }

    /** A mapping in written order, with the location of each key. */
    record Mapping(LinkedHashMap<String, YamlNode> entries, LinkedHashMap<String, Location> keyLocations,
                   Location location) implements YamlNode {
        public Mapping(Location location) {
            this(new LinkedHashMap<>(), new LinkedHashMap<>(), location);
        }

        @Override
        public String describe() {
            return "a mapping";
        }

        public YamlNode get(String key) {
            return entries.get(key);
        }

        public void put(String key, YamlNode value, Location keyLocation) {
            entries.put(key, value);
            keyLocations.put(key, keyLocation);
        }

        public Map<String, YamlNode> view() {
            return entries;
        }
    }

    /** A list. */
    record Sequence(List<YamlNode> items, Location location) implements YamlNode {
        public Sequence(Location location) {
            this(new ArrayList<>(), location);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }
}
