package io.xpusim.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The memory tiers of one run, fastest first ({@code hbm}, {@code cpu}, then the nodes' further tiers). */
public final class MemoryTiers {
    private final Map<String, TierUsage> tiers = new LinkedHashMap<>();
    private final long binPicos;

    /** One tier per entry of {@code capacities} (name → capacity over the whole cluster), in its order. */
    public MemoryTiers(Map<String, Double> capacities, long binPicos) {
        this.binPicos = binPicos;
        capacities.forEach((name, capacity) -> tiers.put(name, new TierUsage(name, capacity, binPicos)));
    }

    /** The tier called {@code name}; throws when the cluster has none. */
    public TierUsage tier(String name) {
        TierUsage t = tiers.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no memory tier '" + name + "'; tiers: " + tiers.keySet());
        }
        return t;
    }

    public boolean has(String name) {
        return tiers.containsKey(name);
    }

    public List<TierUsage> all() {
        return new ArrayList<>(tiers.values());
    }

    public long binPicos() {
        return binPicos;
    }

    /** Ends every tier's occupancy series at {@code nowPicos}. */
    public void close(long nowPicos) {
        tiers.values().forEach(t -> t.close(nowPicos));
    }

    /** The {@code memory_tiers} rows of summary.json: tier, capacity_bytes, peak_bytes, read_bytes, write_bytes. */
    public List<Object> summaryRows() {
        List<Object> rows = new ArrayList<>();
        for (TierUsage t : tiers.values()) {
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("tier", t.name());
            row.put("capacity_bytes", t.capacityBytes());
            row.put("peak_bytes", t.peakBytes());
            row.put("read_bytes", t.readBytes());
            row.put("write_bytes", t.writeBytes());
            rows.add(row);
        }
        return rows;
    }
}
