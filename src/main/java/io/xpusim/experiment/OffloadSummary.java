package io.xpusim.experiment;

import io.xpusim.scenario.Scenario;
import io.xpusim.serving.KvOffload;
import io.xpusim.serving.ServingSimulator;
import java.util.LinkedHashMap;

/**
 * The memory-tier and offload part of a summary: {@code memory_tiers[]} and {@code link_class_bytes} for every run,
 * and for serving the mean batch and, with preemption by swap, what was swapped where (the stall it caused is in
 * {@code offload_stall_s}, see {@link HostUsage}).
 */
final class OffloadSummary {
    private OffloadSummary() {
    }

    static void serving(Scenario s, ServingSimulator sim, TierReport tiers, LinkedHashMap<String, Object> metrics,
                        LinkedHashMap<String, Object> setup) {
        ServingSimulator.SwapTotals w = sim.swapTotals();
        long[] sizes = sim.recorder().batchSizeCounts();
        long iterations = 0;
        double sequences = 0;
        for (int i = 0; i < sizes.length; i++) {
            iterations += sizes[i];
            sequences += (double) i * sizes[i];
        }
        metrics.put("mean_batch_size", iterations == 0 ? 0.0 : sequences / iterations);
        KvOffload o = s.serving().kvOffload();
        if (o != null) {
            metrics.put("kv_swap_outs", w.swapOuts());
            metrics.put("kv_swap_ins", w.swapIns());
            metrics.put("kv_demotions", w.demotions());
            metrics.put("kv_swap_recompute_fallbacks", w.recomputeFallbacks());
            metrics.put("kv_swapped_out_bytes", w.bytesOut());
            metrics.put("kv_swapped_in_bytes", w.bytesIn());
            metrics.put("kv_demoted_bytes", w.bytesDemoted());
            LinkedHashMap<String, Object> kv = new LinkedHashMap<>();
            kv.put("tiers", o.tiers());
            LinkedHashMap<String, Object> capacity = new LinkedHashMap<>();
            o.tiers().forEach(t -> capacity.put(t, o.capacityBytes(t)));
            kv.put("capacity_bytes_per_node", capacity);
            kv.put("policy", o.policy());
            setup.put("preemption", "swap");
            setup.put("kv_offload", kv);
        } else {
            setup.put("preemption", "recompute");
        }
        tiers.addTo(metrics);
    }
}
