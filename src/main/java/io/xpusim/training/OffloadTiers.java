package io.xpusim.training;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.NodeInstance;
import io.xpusim.hardware.TierSpec;
import io.xpusim.metrics.StageMemory;
import io.xpusim.units.DataSize;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training job's states sit among the memory tiers (optimizer offload runs on the node's tiers, not a model
 * of its own): each device's peak in its own memory ({@code hbm}); with {@code offload: {optimizer: cpu}}
 * (ZeRO-Offload) the fp32 optimizer states (12 B per parameter of the device's shard) and the gradient shard in host
 * DRAM; with {@code optimizer: nvme} (ZeRO-Infinity) the optimizer states on the node's {@code nvme} tier and the
 * gradient shard in host DRAM (the pinned staging buffers DeepSpeed swaps states through are left out).
 */
public final class OffloadTiers {
    /** The tier an NVMe offload uses. */
    public static final String NVME = "nvme";

    private OffloadTiers() {
    }

    /** Host-DRAM bytes one device of {@code st} holds for the offloaded optimizer. */
    static double hostBytes(TrainingSpec spec, StepPlan.Stage st) {
        return switch (spec.optimizerOffload()) {
            case NONE -> 0;
            case CPU -> st.optimizerStateBytes() + st.offloadGradientBytes();
            case NVME -> st.offloadGradientBytes();
        };
    }

    /** NVMe bytes one device of {@code st} holds. */
    static double nvmeBytes(TrainingSpec spec, StepPlan.Stage st) {
        return spec.optimizerOffload() == OffloadTarget.NVME ? st.optimizerStateBytes() : 0;
    }

    /**
     * Bytes each tier holds for the whole job: {@code hbm} the stages' peaks (each stage's most loaded device, for
     * every device of the stage over all replicas), {@code cpu} and {@code nvme} the offloaded states.
     */
    public static Map<String, Double> placement(TrainingSpec spec, StepPlan plan, List<StageMemory> memory) {
        ParallelPlan p = spec.plan();
        int perStage = p.tp() * p.cp() * p.dp();
        Map<String, Double> out = new LinkedHashMap<>();
        double hbm = 0;
        double host = 0;
        double nvme = 0;
        for (int s = 0; s < plan.stages().size(); s++) {
            hbm += memory.get(s).totalBytes() * perStage;
            host += hostBytes(spec, plan.stages().get(s)) * perStage;
            nvme += nvmeBytes(spec, plan.stages().get(s)) * perStage;
        }
        out.put(TierSpec.DEVICE, hbm);
        out.put(TierSpec.HOST, host);
        out.put(NVME, nvme);
        return out;
    }

    /** Refuses an offload whose states do not fit the host memory or the NVMe tier of some node. */
    public static void checkCapacity(Cluster cluster, TrainingSpec spec, StepPlan plan) {
        if (spec.optimizerOffload() == OffloadTarget.NONE) {
            return;
        }
        ParallelPlan p = spec.plan();
        double[] host = new double[cluster.nodes().size()];
        double[] nvme = new double[host.length];
        for (int s = 0; s < p.pp(); s++) {
            StepPlan.Stage st = plan.stages().get(s);
            for (int d = 0; d < p.dp(); d++) {
                for (int c = 0; c < p.cp(); c++) {
                    for (int r = 0; r < p.tp(); r++) {
                        Device dev = cluster.devices().get(p.rank(s, d, c, r));
                        host[dev.nodeIndex()] += hostBytes(spec, st);
                        nvme[dev.nodeIndex()] += nvmeBytes(spec, st);
                    }
                }
            }
        }
        for (NodeInstance n : cluster.nodes()) {
            check(n, TierSpec.HOST, "host memory", host[n.index()]);
            check(n, NVME, "NVMe tier", nvme[n.index()]);
        }
    }

    private static void check(NodeInstance n, String tier, String what, double bytes) {
        double capacity = n.units(tier).stream().mapToDouble(u -> u.capacityBytes()).sum();
        if (bytes > capacity) {
            throw new PlanException("offload", String.format(Locale.ROOT, "the offloaded optimizer needs %.1f GiB of "
                    + "the %s of node %d (%s), which has %.1f GiB", bytes / GIB, what, n.index(), n.profile().name(),
                    capacity / GIB), "shard more (dp, zero) or add capacity");
        }
    }

    private static final double GIB = DataSize.BYTES_PER_GIB;
}
