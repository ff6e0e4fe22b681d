package io.xpusim.serving;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/** The registry of attention offload targets by the name YAML uses ({@code strategy.offload.attention}). */
public final class AttentionOffloads {
    /** The host CPU, the KV cache in host DRAM. */
    public static final String CPU = "cpu";
    /** The node's computational storage drives, the KV cache in their flash. */
    public static final String CSD = "csd";
    private static final Map<String, Function<OffloadSite, AttentionOffload>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put(CPU, HostAttention::new);
        BY_NAME.put(CSD, StorageAttention::new);
    }

    private AttentionOffloads() {
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** The target {@code name} for one replica. */
    static AttentionOffload create(String name, OffloadSite site) {
        Function<OffloadSite, AttentionOffload> f = BY_NAME.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown attention target '" + name + "'; known: " + names());
        }
        return f.apply(site);
    }
}
