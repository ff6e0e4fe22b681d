package io.xpusim.serving;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;

/** The registry of GPU expert-cache policies by the name YAML uses ({@code strategy.moe.offload.cache.policy}). */
public final class ExpertCaches {
    public static final String DEFAULT = "lru";
    private static final Map<String, IntFunction<ExpertCache>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("lru", LruExpertCache::new);
        BY_NAME.put("lfu", LfuExpertCache::new);
    }

    private ExpertCaches() {
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** An empty cache of {@code capacity} experts. */
    public static ExpertCache create(String name, int capacity) {
        IntFunction<ExpertCache> f = BY_NAME.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown expert cache policy '" + name + "'; known: " + names());
        }
        return f.apply(capacity);
    }
}
