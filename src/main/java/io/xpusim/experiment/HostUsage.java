package io.xpusim.experiment;

import io.xpusim.hardware.Device;
import io.xpusim.resource.Resource;
import io.xpusim.serving.MemoryPlan;
import io.xpusim.serving.OffloadConfig;
import io.xpusim.serving.OffloadTotals;
import io.xpusim.serving.Replica;
import io.xpusim.serving.ServingSimulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The host side of a serving run for its summary: CPU and host-thread utilisation, offload stalls. */
final class HostUsage {
    private HostUsage() {
    }

    /**
     * Adds {@code host_cpu_utilisation} (busy cores — host threads, offloaded attention and a draft model on the host
     * CPU — / cores of the sockets
     * hosting the replicas' devices),
     * {@code host_thread_utilisation} (busy fraction of the replicas' host threads, one per device) and
     * {@code offload_stall_s} (seconds the replicas' devices waited for offloaded work, summed over replicas: the sum
     * of {@code offload_stall_weights_attention_s}, waits for streamed weights and host attention beyond the kernels
     * and launches, and {@code offload_stall_kv_swap_s}, waits for KV swapped out or back in before the kernels).
     */
    static void put(Map<String, Object> metrics, ServingSimulator sim) {
        long now = sim.simulation().now();
        List<Device> used = new ArrayList<>();
        double threadBusy = 0;
        double stall = 0;
        double swap = 0;
        double coreSeconds = 0;
        for (Replica r : sim.replicas()) {
            used.addAll(r.devices());
            threadBusy += r.hostBusyCoreSeconds();
            stall += r.offloadStallSeconds();
            swap += r.swapStallSeconds();
            coreSeconds += r.hostBusyCoreSeconds() + r.hostAttentionCoreSeconds()
                    + (r.remoteDraft() == null ? 0 : r.remoteDraft().hostCoreSeconds());
        }
        double cores = 0;
        for (Resource socket : sim.hostCpus().socketsOf(used)) {
            cores += socket.capacityPerSecond();
        }
        double seconds = now / 1e12;
        metrics.put("host_cpu_utilisation", cores == 0 || seconds <= 0 ? 0.0 : coreSeconds / (cores * seconds));
        metrics.put("host_thread_utilisation", used.isEmpty() || seconds <= 0 ? 0.0 : threadBusy / (used.size() * seconds));
        metrics.put("offload_stall_s", stall + swap);
        metrics.put("offload_stall_weights_attention_s", stall);
        metrics.put("offload_stall_kv_swap_s", swap);
    }

    /**
     * With offload: bytes streamed and moved each way over the devices' host links, the host's attention time and, when
     * attention is offloaded, {@code offload_attention_s} (the target's attention time, summed over ranks). Where the KV
     * cache lives, what it held and what was read from and written into it are its tier's {@code memory_tiers[]} row.
     */
    static void putOffload(Map<String, Object> metrics, ServingSimulator sim, boolean attentionOffloaded) {
        double streamed = 0;
        double h2d = 0;
        double d2h = 0;
        double attention = 0;
        double offloaded = 0;
        for (Replica r : sim.replicas()) {
            streamed += r.offloadStreamedBytes();
            h2d += r.offloadH2dBytes();
            d2h += r.offloadD2hBytes();
            attention += r.hostAttentionSeconds();
            OffloadTotals t = r.offloadTotals();
            offloaded += t == null ? 0 : t.attentionBusySeconds();
        }
        metrics.put("offload_weight_bytes_streamed", streamed);
        metrics.put("offload_h2d_bytes", h2d);
        metrics.put("offload_d2h_bytes", d2h);
        metrics.put("host_attention_s", attention);
        if (attentionOffloaded) {
            metrics.put("offload_attention_s", offloaded);
        }
    }

    /** The setup's offload block. */
    static Map<String, Object> offloadSetup(OffloadConfig o, MemoryPlan plan) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("weights", o.weightsOnCpu() ? "cpu" : "none");
        if (o.weightsOnCpu()) {
            m.put("weights_on_gpu", o.weightsOnGpu());
        }
        m.put("attention", o.attention());
        m.put("host_weight_bytes_per_device", plan.hostWeightBytes());
        m.put("kv_cache_in_host_memory", plan.kvOnHost());
        m.put("kv_cache_tier", plan.kvTier());
        return m;
    }

    /** Busy fraction of a replica's host threads over [0, now]. */
    static double threadUtilisation(Replica r, long nowPicos) {
        double seconds = nowPicos / 1e12;
        return seconds <= 0 ? 0.0 : r.hostBusyCoreSeconds() / (r.devices().size() * seconds);
    }
}
