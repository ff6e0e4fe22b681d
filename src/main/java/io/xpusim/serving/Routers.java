package io.xpusim.serving;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The registry of request routers by the name YAML uses. */
public final class Routers {
    public static final String DEFAULT = "round-robin";
    private static final Map<String, Supplier<Router>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("round-robin", RoundRobinRouter::new);
        BY_NAME.put("least-outstanding", LeastOutstandingRouter::new);
        BY_NAME.put("least-kv-load", LeastKvLoadRouter::new);
        BY_NAME.put("prefix-affinity", PrefixAffinityRouter::new);
    }

    private Routers() {
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** A fresh router (routers keep per-run state). */
    public static Router create(String name) {
        Supplier<Router> s = BY_NAME.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown router '" + name + "'; known: " + names());
        }
        return s.get();
    }
}
