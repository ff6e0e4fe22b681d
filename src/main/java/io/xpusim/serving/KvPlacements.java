package io.xpusim.serving;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The registry of KV offload placement policies by the name YAML uses. */
public final class KvPlacements {
    public static final String DEFAULT = "first-fit";
    private static final Map<String, Supplier<KvPlacement>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("first-fit", FirstFitPlacement::new);
        BY_NAME.put("lru", LruPlacement::new);
    }

    private KvPlacements() {
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    public static KvPlacement create(String name) {
        Supplier<KvPlacement> s = BY_NAME.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown kv-offload policy '" + name + "'; known: " + names());
        }
        return s.get();
    }
}
