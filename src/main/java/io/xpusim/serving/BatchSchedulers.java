package io.xpusim.serving;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The registry of batch schedulers by the name YAML uses. */
public final class BatchSchedulers {
    private static final Map<String, Supplier<BatchScheduler>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("static", StaticScheduler::new);
        BY_NAME.put("orca", OrcaScheduler::new);
        BY_NAME.put("vllm", VllmScheduler::new);
        BY_NAME.put("sarathi", SarathiScheduler::new);
    }

    private BatchSchedulers() {
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** A new instance (schedulers may keep per-replica state, e.g. the static batch being run). */
    public static BatchScheduler create(String name) {
        Supplier<BatchScheduler> s = BY_NAME.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown scheduler '" + name + "'; known: " + names());
        }
        return s.get();
    }
}
