package io.xpusim.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The registry of expert placement policies by the name YAML uses. */
public final class ExpertPlacements {
    public static final String DEFAULT = "round-robin";
    private static final Map<String, Supplier<ExpertPlacementPolicy>> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("round-robin", RoundRobinPlacement::new);
        BY_NAME.put("load-balanced", LoadBalancedPlacement::new);
        BY_NAME.put("replicate-hot", ReplicateHotPlacement::new);
    }

    private ExpertPlacements() {
    }

    public static Set<String> names() {
        return BY_NAME.keySet();
    }

    public static ExpertPlacementPolicy create(String name) {
        Supplier<ExpertPlacementPolicy> s = BY_NAME.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown expert placement '" + name + "'; known: " + names());
        }
        return s.get();
    }
}
