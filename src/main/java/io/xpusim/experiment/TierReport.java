package io.xpusim.experiment;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.MemoryUnit;
import io.xpusim.hardware.NodeInstance;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.TierUsage;
import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run did with its memory tiers and links, for summary.json and the tier charts: the tiers' ledger (closed at
 * the end of the run), the bytes each class of link (nvlink, pcie, cxl, ib, …) carried over all its directions, and
 * per node tier (cxl, nvme, csd, …: not {@code hbm} or host DRAM, whose bandwidth kernels and host threads also use)
 * the bytes its units' media and internal paths carried, to check the ledger against.
 */
record TierReport(MemoryTiers tiers, Map<String, Double> linkClassBytes, Map<String, Double> mediaBytes) {

    /** Closes the tiers' series at {@code nowPicos} and sums the cluster's link and tier-media traffic. */
    static TierReport of(Cluster cluster, MemoryTiers tiers, long nowPicos) {
        tiers.close(nowPicos);
        Map<String, Double> bytes = new TreeMap<>();
        for (Resource r : cluster.linkResources()) {
            String c = cluster.linkClass(r);
            if (c != null) {
                bytes.merge(c, r.workDone(nowPicos), Double::sum);
            }
        }
        Map<String, Double> media = new TreeMap<>();
        for (NodeInstance n : cluster.nodes()) {
            n.tiers().forEach((tier, units) -> {
                for (MemoryUnit u : units) {
                    // every read and write of the unit, its engine's flash reads included, passes its media budget
                    // once (a write cap and the internal path are extra hops of some of them)
                    media.merge(tier, u.read().workDone(nowPicos), Double::sum);
                }
            });
        }
        return new TierReport(tiers, bytes, media);
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

    /**
     * Node tiers whose ledger disagrees with their media: once every transfer has finished, the bytes booked as read
     * from and written to a tier (swapped KV, fetched experts, optimizer states, in-storage attention's KV appends and
     * reads) are what its units' media and internal paths carried.
     */
    List<String> mediaMismatches() {
        List<String> broken = new ArrayList<>();
        mediaBytes.forEach((tier, carried) -> {
            TierUsage t = tiers.tier(tier);
            double booked = t.readBytes() + t.writeBytes();
            if (Math.abs(booked - carried) > 1e-6 * Math.max(1, carried)) {
                broken.add("memory tier " + tier + " booked " + booked + " B read and written, but its media carried "
                        + carried + " B");
            }
        });
        return broken;
    }

    TierUsage tier(String name) {
        return tiers.tier(name);
    }
}
