package io.xpusim.experiment;

import io.xpusim.hardware.Cluster;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.TierUsage;
import io.xpusim.resource.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run did with its memory tiers and links, for summary.json and the tier charts: the tiers' ledger (closed at
 * the end of the run) and the bytes each class of link (nvlink, pcie, cxl, ib, …) carried over all its directions.
 */
record TierReport(MemoryTiers tiers, Map<String, Double> linkClassBytes) {

    /** Closes the tiers' series at {@code nowPicos} and sums the cluster's link traffic by class. */
    static TierReport of(Cluster cluster, MemoryTiers tiers, long nowPicos) {
        tiers.close(nowPicos);
        Map<String, Double> bytes = new TreeMap<>();
        for (Resource r : cluster.linkResources()) {
            String c = cluster.linkClass(r);
            if (c != null) {
                bytes.merge(c, r.workDone(nowPicos), Double::sum);
            }
        }
        return new TierReport(tiers, bytes);
    }

    /** Adds {@code memory_tiers} and {@code link_class_bytes} to a summary's metrics. */
    void addTo(LinkedHashMap<String, Object> metrics) {
        metrics.put("memory_tiers", tiers.summaryRows());
        metrics.put("link_class_bytes", new LinkedHashMap<String, Object>(linkClassBytes));
    }

    /** Tiers holding more than their capacity at some point ("tier: peak > capacity"). */
    List<String> overCapacity() {
        return tiers.all().stream().filter(t -> t.peakBytes() > t.capacityBytes() * (1 + 1e-9))
                .map(t -> "memory tier " + t.name() + " held " + t.peakBytes() + " B, above its capacity "
                        + t.capacityBytes()).toList();
    }

    TierUsage tier(String name) {
        return tiers.tier(name);
    }
}
