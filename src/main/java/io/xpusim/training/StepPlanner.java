package io.xpusim.training;

import io.xpusim.compute.CostModel;
import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.metrics.StageMemory;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.Operator;
import io.xpusim.model.Recompute;
import io.xpusim.model.TrainingPass;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks a training plan against the model and the cluster and turns it into a {@link StepPlan}: which
 * devices each stage uses, its communication groups, and what each pass costs on its device type. Every
 * impossible configuration is a {@link PlanException} in the user's terms.
 */
public final class StepPlanner {
    /** Overlapped reduction splits a chunk's last backward into at most this many buckets (events stay bounded). */
    static final int MAX_BUCKETS_PER_CHUNK = 16;

    private StepPlanner() {
    }

    /** Layers of each stage: the explicit list, or an even split. */
    public static int[] layersPerStage(ModelSpec model, TrainingSpec spec) {
        ParallelPlan p = spec.plan();
        int[] out = new int[p.pp()];
        for (int s = 0; s < p.pp(); s++) {
            out[s] = spec.layersPerStage() != null ? spec.layersPerStage().get(s) : model.layers() / p.pp();
        }
        return out;
    }

    /** Validates {@code spec} for {@code model} on {@code devices} (in rank order); throws {@link PlanException}. */
    public static void check(ModelSpec model, TrainingSpec spec, List<Device> devices, PipelineSchedule schedule) {
        ParallelPlan p = spec.plan();
        if (model.isMoe() || model.mla() != null) {
            throw new PlanException("model", "model '" + model.name()
                    + "' uses mixture-of-experts or latent attention, which training does not execute yet",
                    "choose a dense model; MoE training comes with expert parallelism");
        }
        if (p.ep() > 1) {
            throw new PlanException("parallelism", "ep=" + p.ep() + " needs a mixture-of-experts model; "
                    + model.name() + " is dense", "set ep: 1");
        }
        if (p.devices() != devices.size()) {
            throw new PlanException("parallelism", String.format(Locale.ROOT,
                    "dp·tp·pp·cp = %d·%d·%d·%d = %d devices, but the cluster has %d", p.dp(), p.tp(), p.pp(), p.cp(),
                    p.devices(), devices.size()), "make the product equal the cluster's device count");
        }
        if (model.heads() % p.tp() != 0) {
            throw new PlanException("parallelism", String.format(Locale.ROOT, "tp=%d does not divide the %d attention heads of %s",
                    p.tp(), model.heads(), model.name()), "use a divisor of " + model.heads());
        }
        if (model.kvHeads() % p.tp() != 0) {
            throw new PlanException("parallelism", String.format(Locale.ROOT, "tp=%d does not divide the %d KV heads of %s",
                    p.tp(), model.kvHeads(), model.name()), "use a divisor of " + model.kvHeads());
        }
        if (spec.layersPerStage() != null) {
            List<Integer> l = spec.layersPerStage();
            if (l.size() != p.pp()) {
                throw new PlanException("layers-per-stage", "layers-per-stage lists " + l.size() + " stages but pp=" + p.pp(),
                        "give one layer count per pipeline stage");
            }
            int sum = l.stream().mapToInt(Integer::intValue).sum();
            if (sum != model.layers()) {
                throw new PlanException("layers-per-stage", "layers-per-stage adds up to " + sum + " layers but "
                        + model.name() + " has " + model.layers(), null);
            }
            for (int s = 0; s < l.size(); s++) {
                if (l.get(s) < 1 || l.get(s) % p.virtualStages() != 0) {
                    throw new PlanException("layers-per-stage", "stage " + s + " has " + l.get(s) + " layers, which "
                            + p.virtualStages() + " virtual stages cannot split evenly", null);
                }
            }
        } else if (model.layers() % (p.pp() * p.virtualStages()) != 0) {
            throw new PlanException("parallelism", String.format(Locale.ROOT,
                    "the %d layers of %s do not split evenly into pp·virtual-stages = %d·%d chunks", model.layers(),
                    model.name(), p.pp(), p.virtualStages()), "change pp or virtual-stages, or list layers-per-stage");
        }
        if (spec.globalBatch() % ((long) p.dp() * spec.microBatch()) != 0) {
            throw new PlanException("global-batch", String.format(Locale.ROOT,
                    "global-batch %d is not a multiple of dp·micro-batch = %d·%d", spec.globalBatch(), p.dp(),
                    spec.microBatch()), "each replica must run a whole number of micro-batches");
        }
        if (spec.sequenceLength() % p.cp() != 0) {
            throw new PlanException("sequence-length", "sequence-length " + spec.sequenceLength()
                    + " does not split over cp=" + p.cp(), null);
        }
        if (model.learnedPositions() && spec.sequenceLength() > model.maxContext()) {
            throw new PlanException("sequence-length", "sequence-length " + spec.sequenceLength() + " exceeds the "
                    + model.maxContext() + " learned positions of " + model.name(), null);
        }
        String problem = schedule.check(p.pp(), spec.microBatchesPerReplica(), p.virtualStages());
        if (problem != null) {
            throw new PlanException("schedule", problem, null);
        }
        if (spec.zeroStage() >= 2 && p.pp() > 1) {
            throw new PlanException("zero", "ZeRO-" + spec.zeroStage() + " shards gradients, which pipeline parallelism "
                    + "accumulates over micro-batches; DeepSpeed and Megatron-LM do not combine them", "use zero: 1 with pp > 1");
        }
        if (spec.optimizerOffload() != OffloadTarget.NONE && spec.zeroStage() == 0) {
            throw new PlanException("offload", "optimizer offload needs ZeRO (stage 1 or more) to shard the optimizer",
                    "set zero: 2, as ZeRO-Offload does");
        }
        if (spec.optimizerOffload() == OffloadTarget.NVME) {
            throw new PlanException("offload", "NVMe offload (ZeRO-Infinity) needs local NVMe in the node graph, which "
                    + "arrives with memory tiers", "use offload: { optimizer: cpu }");
        }
        for (Device d : devices) {
            if (d.profile().peakFlopsPerSecond(spec.precision()) <= 0) {
                throw new PlanException("precision", d.profile().name() + " has no " + spec.precision().yamlName() + " math",
                        "choose a precision listed in its profile's peak-flops");
            }
        }
    }

    /** Builds the step plan for a checked spec on {@code cluster}. */
    public static StepPlan plan(Cluster cluster, ModelSpec model, TrainingSpec spec, PipelineSchedule schedule) {
        List<Device> all = cluster.devices();
        check(model, spec, all, schedule);
        ParallelPlan p = spec.plan();
        int v = p.virtualStages();
        int m = spec.microBatchesPerReplica();
        int[] stageLayers = layersPerStage(model, spec);
        TrainingPass pass = new TrainingPass(model, p.tp(), p.cp(), p.sequenceParallel(), spec.microBatch(),
                spec.sequenceLength(), spec.precision(), spec.attention());
        double a = spec.precision().bytesPerElement();
        int zeroShards = p.dp() * p.cp();
        List<StepPlan.Stage> stages = new ArrayList<>();
        for (int s = 0; s < p.pp(); s++) {
            List<Device> computeGroup = new ArrayList<>();
            List<List<Device>> tensorGroups = new ArrayList<>();
            for (int c = 0; c < p.cp(); c++) {
                List<Device> g = new ArrayList<>();
                for (int r = 0; r < p.tp(); r++) {
                    g.add(all.get(p.rank(s, 0, c, r)));
                }
                tensorGroups.add(List.copyOf(g));
                computeGroup.addAll(g);
            }
            List<List<Device>> contextGroups = new ArrayList<>();
            List<List<Device>> dataGroups = new ArrayList<>();
            for (int r = 0; r < p.tp(); r++) {
                List<Device> cg = new ArrayList<>();
                for (int c = 0; c < p.cp(); c++) {
                    cg.add(all.get(p.rank(s, 0, c, r)));
                }
                contextGroups.add(List.copyOf(cg));
                List<Device> dg = new ArrayList<>();
                for (int d = 0; d < p.dp(); d++) {
                    for (int c = 0; c < p.cp(); c++) {
                        dg.add(all.get(p.rank(s, d, c, r)));
                    }
                }
                dataGroups.add(List.copyOf(dg));
            }
            DeviceProfile device = computeGroup.get(0).profile();
            CostModel roofline = new RooflineCostModel(device, spec.precision());
            CostModel cost = op -> roofline.seconds(op) / spec.computeEfficiency();
            int chunkLayers = stageLayers[s] / v;
            double[] fwd = new double[v];
            double[] bwd = new double[v];
            double[] rec = new double[v];
            int[] fwdTp = new int[v];
            int[] bwdTp = new int[v];
            int[] recTp = new int[v];
            double[] ctx = new double[v];
            double[] params = new double[v];
            double[] grads = new double[v];
            int[] buckets = new int[v];
            double layerFwd = cost.seconds(pass.forwardLayer());
            double layerBwd = cost.seconds(pass.backwardLayer());
            double layerRec = cost.seconds(pass.recomputeLayer(spec.recompute()));
            int perLayerTp = pass.tpCollectivesPerLayer();
            double kvBytesPerLayer = 2.0 * spec.microBatch() * spec.sequenceLength() * model.kvHeadsPerRank(p.tp())
                    * model.headDim() * a;
            for (int c = 0; c < v; c++) {
                int block = c * p.pp() + s;
                boolean first = block == 0;
                boolean last = block == p.pp() * v - 1;
                fwd[c] = chunkLayers * layerFwd + (first ? cost.seconds(pass.embeddingForward()) : 0)
                        + (last ? cost.seconds(pass.headForward()) : 0);
                bwd[c] = chunkLayers * layerBwd + (first ? cost.seconds(pass.embeddingBackward()) : 0)
                        + (last ? cost.seconds(pass.headBackward()) : 0);
                rec[c] = chunkLayers * layerRec;
                // the vocabulary-parallel embedding all-reduces its output once per forward
                fwdTp[c] = chunkLayers * perLayerTp + (first && p.tp() > 1 ? 1 : 0);
                bwdTp[c] = chunkLayers * perLayerTp;
                recTp[c] = spec.recompute() == Recompute.FULL ? chunkLayers * perLayerTp : 0;
                ctx[c] = chunkLayers * kvBytesPerLayer;
                double chunkParams = TrainingMemory.parametersOnStage(model, p,
                        new TrainingMemory.StageShare(chunkLayers, chunkLayers, first, last));
                params[c] = chunkParams * a;
                grads[c] = chunkParams * a;
                buckets[c] = (int) Math.max(1, Math.min(MAX_BUCKETS_PER_CHUNK, Math.ceil(grads[c] / spec.bucketBytes())));
            }
            double stageParams = 0;
            for (double x : params) {
                stageParams += x / a;
            }
            double shard = spec.zeroStage() >= 1 ? stageParams / zeroShards : stageParams;
            double optimizerSeconds = shard * TrainingSimulator.ADAM_BYTES_PER_PARAMETER
                    / device.memory().achievedBandwidthBytesPerSecond() / spec.computeEfficiency();
            List<Device> sendRanks = computeGroup;
            boolean split = spec.scatterGather() || p.sequenceParallel();
            double sendBytes = pass.boundaryBytes() / (split ? p.tp() : 1);
            double hostAdam = shard * TrainingSimulator.ADAM_BYTES_PER_PARAMETER * jobDevicesPerSimulatedDevice(cluster, p,
                    computeGroup);
            PipelineSchedule sched = schedule;
            stages.add(new StepPlan.Stage(s, device.name(), stageLayers[s], sched.order(s, p.pp(), m, v),
                    List.copyOf(computeGroup), List.copyOf(tensorGroups), List.copyOf(contextGroups), List.copyOf(dataGroups),
                    List.copyOf(sendRanks), fwd, bwd, rec, fwdTp, bwdTp, recTp, pass.tpCollectiveBytes(), ctx, sendBytes,
                    params, grads, buckets, optimizerSeconds, shard * a, shard * a, hostAdam));
        }
        return new StepPlan(List.copyOf(stages), v, spec.zeroStage() == 3);
    }

    /**
     * Host memory is shared by every device of a node, but only one replica is simulated: scale each simulated
     * device's host work by (job devices on its node) / (simulated devices on its node).
     */
    private static double jobDevicesPerSimulatedDevice(Cluster cluster, ParallelPlan p, List<Device> simulated) {
        Device d = simulated.get(0);
        long onNodeSimulated = simulated.stream().filter(x -> x.nodeIndex() == d.nodeIndex()).count();
        long onNode = cluster.nodes().get(d.nodeIndex()).devices().size();
        return Math.max(1.0, (double) Math.min(onNode, p.devices()) / onNodeSimulated);
    }

    /** Peak memory of each stage's most loaded device, given the schedule's in-flight activations. */
    public static List<StageMemory> memory(Cluster cluster, ModelSpec model, TrainingSpec spec, PipelineSchedule schedule) {
        ParallelPlan p = spec.plan();
        int v = p.virtualStages();
        int m = spec.microBatchesPerReplica();
        int[] stageLayers = layersPerStage(model, spec);
        List<StageMemory> out = new ArrayList<>();
        for (int s = 0; s < p.pp(); s++) {
            Device d = cluster.devices().get(p.rank(s, 0, 0, 0));
            TrainingMemory.StageShare share = new TrainingMemory.StageShare(stageLayers[s], stageLayers[s] / v, s == 0,
                    s == p.pp() - 1);
            out.add(TrainingMemory.stage(model, p, s, share, spec.microBatch(), spec.sequenceLength(), spec.recompute(),
                    spec.attention(), spec.zeroStage(), spec.optimizerOffload(), schedule.peakInFlight(s, p.pp(), m, v),
                    d.profile().name(), d.profile().memory().capacityBytes()));
        }
        return out;
    }
}
