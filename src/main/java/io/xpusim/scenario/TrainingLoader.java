package io.xpusim.scenario;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.metrics.StageMemory;
import io.xpusim.model.AttentionKernel;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.Recompute;
import io.xpusim.training.OffloadTarget;
import io.xpusim.training.ParallelPlan;
import io.xpusim.training.PipelineSchedule;
import io.xpusim.training.PipelineSchedules;
import io.xpusim.training.PlanException;
import io.xpusim.training.StepPlanner;
import io.xpusim.training.TrainingMemory;
import io.xpusim.training.TrainingSpec;
import io.xpusim.units.DataSize;
import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Binds and checks the {@code training:} block of a {@code kind: training} scenario. */
final class TrainingLoader {
    private TrainingLoader() {
    }

    static TrainingSpec training(Fields t, Fields root, ModelSpec model, List<Cluster.NodeGroup> groups, ScaleOutSpec scaleOut) {
        int devices = groups.stream().mapToInt(g -> g.profile().deviceCount() * g.count()).sum();
        int globalBatch = t.intValue("global-batch", 1, 1 << 24);
        int microBatch = t.intValue("micro-batch", 1, 1, 1 << 16);
        int sequence = t.intValue("sequence-length", Math.min(model.maxContext(), 4096), 1, 1 << 22);
        Precision precision = Precision.fromYaml(t.choice("precision", List.of("bf16", "fp16", "fp8"), "bf16"));
        // Megatron-LM accumulates and reduces gradients in fp32 under bf16 (bf16 sums lose too much), in fp16 under fp16
        Precision gradients = Precision.fromYaml(t.choice("gradient-precision", List.of("fp32", "bf16", "fp16"),
                precision == Precision.FP16 ? "fp16" : "fp32"));

        Fields par = t.optionalObject("parallelism");
        int tp = par.intValue("tp", 1, 1, 1 << 16);
        int pp = par.intValue("pp", 1, 1, 1 << 16);
        int cp = par.intValue("cp", 1, 1, 1 << 16);
        long rest = devices / ((long) tp * pp * cp);
        int dp = par.intValue("dp", (int) Math.max(1, rest), 1, 1 << 24);
        int v = par.intValue("virtual-stages", 1, 1, 1 << 10);
        boolean sp = par.bool("sequence-parallel", false);
        int ep = par.intValue("ep", 1, 1, 1 << 16);
        par.finish();
        ParallelPlan plan = new ParallelPlan(dp, tp, pp, v, sp, cp, ep);

        String schedule = t.choice("schedule", PipelineSchedules.names(), v > 1 ? "interleaved" : "1f1b");
        int zero = t.intValue("zero", 0, 0, 3);
        Recompute recompute = Recompute.valueOf(t.choice("recompute", names(Recompute.values()), "none").toUpperCase(Locale.ROOT));
        AttentionKernel attention = AttentionKernel.valueOf(t.choice("attention", names(AttentionKernel.values()), "fused")
                .toUpperCase(Locale.ROOT));
        Fields ov = t.optionalObject("overlap");
        boolean overlapDp = ov.bool("dp-grad", true);
        boolean overlapTp = ov.bool("tp-comm", false);
        ov.finish();
        Fields off = t.optionalObject("offload");
        OffloadTarget offload = OffloadTarget.valueOf(off.choice("optimizer", names(OffloadTarget.values()), "none")
                .toUpperCase(Locale.ROOT));
        off.finish();
        int steps = t.intValue("steps", 1, 1, 1000);
        double bucket = t.quantity("bucket-size", DataSize::parse, "25MiB").bytes();
        if (bucket < 1024) {
            throw new ScenarioException(t.locationOf("bucket-size"), "bucket-size must be at least 1KiB", null);
        }
        List<Integer> layers = null;
        if (t.has("layers-per-stage")) {
            layers = new ArrayList<>();
            for (YamlNode n : t.list("layers-per-stage")) {
                layers.add(intItem(n, t.qualified("layers-per-stage")));
            }
            t.putResolved("layers-per-stage", List.copyOf(layers));
        }
        boolean scatterGather = t.bool("scatter-gather", true);
        Fields rt = t.optionalObject("runtime");
        double computeEfficiency = rt.number("compute-efficiency", 1.0, 0.05, 1.0);
        rt.finish();
        t.finish();

        TrainingSpec spec = new TrainingSpec(globalBatch, microBatch, sequence, precision, gradients, plan, schedule, zero, recompute,
                attention, overlapDp, overlapTp, offload, steps, bucket, layers == null ? null : List.copyOf(layers),
                scatterGather, computeEfficiency);
        PipelineSchedule sched = PipelineSchedules.byName(schedule);
        if (plan.devices() != devices) {
            // said before building the cluster, which for a mistyped node count can be millions of devices
            throw new ScenarioException(t.locationOf("parallelism"), String.format(Locale.ROOT,
                    "dp·tp·pp·cp = %d·%d·%d·%d = %d devices, but the cluster has %d", dp, tp, pp, cp, plan.devices(),
                    devices), "make the product equal the cluster's device count");
        }
        Cluster cluster = Cluster.build(groups, scaleOut);
        try {
            StepPlanner.plan(cluster, model, spec, sched); // its checks, and whether offloaded states fit their tiers
        } catch (PlanException e) {
            throw new ScenarioException(e.field().equals("model") ? root.locationOf("model") : t.locationOf(e.field()),
                    e.getMessage(), e.hint());
        }
        if (cluster.nodes().size() > 1 && scaleOut == null) {
            // every device takes part (dp·tp·pp·cp = devices), so every node must reach the others
            throw new ScenarioException(root.locationOf("cluster"), "the plan spans " + cluster.nodes().size()
                    + " nodes but the cluster has no scale-out network", "add cluster.scale-out: { topology: fat-tree, nic: ... }");
        }
        for (StageMemory m : StepPlanner.memory(cluster, model, spec, sched)) {
            if (!m.fits()) {
                throw new ScenarioException(t.locationOf("parallelism"), TrainingMemory.overflowMessage(m),
                        "shard more (tp, pp, zero), recompute activations, lower micro-batch, or offload the optimizer");
            }
        }
        return spec;
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
    }

    private static int intItem(YamlNode n, String what) {
        if (n instanceof YamlNode.Scalar s && !s.isNull()) {
            try {
                int v = Integer.parseInt(s.text().strip());
                if (v >= 1) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new ScenarioException(n.location(), "entries of '" + what + "' must be whole numbers of at least 1, not "
                + n.describe(), null);
    }
}
