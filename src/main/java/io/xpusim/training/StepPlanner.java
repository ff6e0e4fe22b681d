package io.xpusim.training;

import io.xpusim.compute.CostModel;
import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.metrics.StageMemory;
import io.xpusim.model.AttentionKernel;
import io.xpusim.model.ModelSpec;
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
    static final int MAX_BUCKETS_PER_CHUNK = 64;

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

    /** Validates {@code spec} for {@code model} on {@code cluster}; throws {@link PlanException}. */
    public static void check(ModelSpec model, TrainingSpec spec, Cluster cluster, PipelineSchedule schedule) {
        ParallelPlan p = spec.plan();
        List<Device> devices = cluster.devices();
        if (model.mla() != null) {
            throw new PlanException("model", "model '" + model.name()
                    + "' uses latent attention (MLA), which training does not execute yet",
                    "choose a model with multi-head or grouped-query attention (Mixtral, Qwen3-MoE, dense models)");
        }
        if (model.isMoe() && model.moe().denseLayers() > 0) {
            throw new PlanException("model", "model '" + model.name() + "' has " + model.moe().denseLayers()
                    + " dense layers before its MoE layers, which training does not model yet",
                    "choose a model whose every layer is a MoE layer (Mixtral, Qwen3-MoE)");
        }
        if (p.ep() > 1) {
            ExpertParallelPlan.check(model, spec);
        }
        if (p.pp() == 1 && p.virtualStages() > 1) {
            throw new PlanException("parallelism", "virtual-stages=" + p.virtualStages() + " needs pipeline parallelism",
                    "set pp > 1 or virtual-stages: 1");
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
        if (p.sequenceParallel() && p.tp() == 1) {
            throw new PlanException("parallelism", "sequence-parallel shards over the tensor-parallel group, but tp=1",
                    "set tp > 1 or sequence-parallel: false");
        }
        if (p.cp() > 1 && spec.attention() == AttentionKernel.UNFUSED) {
            throw new PlanException("attention", "context parallelism (ring attention) needs fused attention kernels",
                    "use attention: fused");
        }
        if (model.intermediateSize() % p.tp() != 0) {
            throw new PlanException("parallelism", String.format(Locale.ROOT,
                    "tp=%d does not divide the MLP width %d of %s", p.tp(), model.intermediateSize(), model.name()), null);
        }
        for (int s = 0; s < p.pp(); s++) {
            Device first = devices.get(p.rank(s, 0, 0, 0));
            for (int r = 0; r < p.tp(); r++) {
                Device d = devices.get(p.rank(s, 0, 0, r));
                if (d.nodeIndex() != first.nodeIndex()) {
                    throw new PlanException("parallelism", String.format(Locale.ROOT,
                            "tp=%d spans more than one node (%s and %s); tensor parallelism stays inside a node",
                            p.tp(), first.name(), d.name()), "lower tp to at most the devices of a node");
                }
            }
            for (int d = 0; d < p.dp(); d++) {
                for (int c = 0; c < p.cp(); c++) {
                    for (int r = 0; r < p.tp(); r++) {
                        DeviceProfile other = devices.get(p.rank(s, d, c, r)).profile();
                        if (other != first.profile()) {
                            throw new PlanException("parallelism", String.format(Locale.ROOT,
                                    "pipeline stage %d mixes %s and %s across its data-parallel replicas; every replica "
                                            + "would wait for the slowest", s, first.profile().name(), other.name()),
                                    "order the node groups so that each stage's devices are of one type (stage s owns "
                                            + "devices s·dp·cp·tp to (s+1)·dp·cp·tp − 1)");
                        }
                    }
                }
            }
            if (spec.optimizerOffload() != OffloadTarget.NONE) {
                if (cluster.hostPath(first, true) == null) {
                    throw new PlanException("offload", "node of " + first.name() + " has no host memory or host link to "
                            + "offload the optimizer to", "use a node template with host-memory and host-link");
                }
                if (spec.optimizerOffload() == OffloadTarget.NVME && cluster.unitsFor(first, OffloadTiers.NVME).isEmpty()) {
                    throw new PlanException("offload", "NVMe offload (ZeRO-Infinity) keeps the optimizer states on the "
                            + "node's NVMe tier, but node template " + cluster.nodes().get(first.nodeIndex()).profile().name()
                            + " has none", "add tiers: [{ memory: samsung-pm1743-15tb, count: 2, link: pcie-gen5-x4 }] "
                            + "to the node group (a tier named nvme)");
                }
            }
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
        check(model, spec, cluster, schedule);
        ParallelPlan p = spec.plan();
        int v = p.virtualStages();
        int m = spec.microBatchesPerReplica();
        int[] stageLayers = layersPerStage(model, spec);
        TrainingPass pass = new TrainingPass(model, p.tp(), p.cp(), p.sequenceParallel(), spec.microBatch(),
                spec.sequenceLength(), spec.storagePrecision(), spec.attention(), p.ep());
        double a = spec.storagePrecision().bytesPerElement();
        double gradientBytes = spec.gradientPrecision().bytesPerElement();
        double[] hostScale = hostWorkScale(cluster, p);
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
            double[] expertParams = new double[v];
            double[] expertGrads = new double[v];
            int[] moeLayers = new int[v];
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
                TrainingMemory.StageShare chunkShare = new TrainingMemory.StageShare(chunkLayers, chunkLayers, first, last);
                double chunkParams = TrainingMemory.parametersOnStage(model, p, chunkShare);
                // under expert parallelism the routed experts reduce over their own (expert-data-parallel) groups
                double chunkExperts = p.ep() > 1 ? TrainingMemory.expertParametersOnStage(model, p, chunkShare) : 0;
                params[c] = (chunkParams - chunkExperts) * a;
                grads[c] = (chunkParams - chunkExperts) * gradientBytes;
                expertParams[c] = chunkExperts * a;
                expertGrads[c] = chunkExperts * gradientBytes;
                moeLayers[c] = model.isMoe() ? chunkLayers : 0;
                buckets[c] = (int) Math.max(1, Math.min(MAX_BUCKETS_PER_CHUNK, Math.ceil(grads[c] / spec.bucketBytes())));
            }
            double stageParams = 0;
            double stageExperts = 0;
            for (int c = 0; c < v; c++) {
                stageParams += params[c] / a;
                stageExperts += expertParams[c] / a;
            }
            int expertShards = zeroShards / p.ep();
            double shard = spec.zeroStage() >= 1 ? stageParams / zeroShards + stageExperts / expertShards
                    : stageParams + stageExperts;
            double optimizerSeconds = shard * ADAM_BYTES_PER_PARAMETER
                    / device.memory().achievedBandwidthBytesPerSecond() / spec.computeEfficiency();
            boolean split = spec.scatterGather() || p.sequenceParallel();
            double sendBytes = pass.boundaryBytes() / (split ? p.tp() : 1);
            Device firstDevice = computeGroup.get(0);
            double scale = hostScale[firstDevice.nodeIndex()];
            double hostAdam = shard * ADAM_BYTES_PER_PARAMETER * scale;
            double hostAdamCap = Double.POSITIVE_INFINITY;
            var node = cluster.nodes().get(firstDevice.nodeIndex()).profile();
            if (node.cpu() != null) {
                // the CPUs' FP32 rate, shared by the node's simulated devices, caps the rate Adam streams host memory
                double cpuParametersPerSecond = node.cpu().peakFlopsPerSecond(io.xpusim.units.Precision.FP32) * node.cpuCount()
                        / ADAM_FLOPS_PER_PARAMETER / simulatedOnNode(cluster, p, firstDevice.nodeIndex());
                hostAdamCap = cpuParametersPerSecond * ADAM_BYTES_PER_PARAMETER;
            }
            stages.add(new StepPlan.Stage(s, stageLayers[s], schedule.order(s, p.pp(), m, v), List.copyOf(computeGroup),
                    List.copyOf(tensorGroups), List.copyOf(contextGroups), List.copyOf(dataGroups), fwd, bwd, rec, fwdTp,
                    bwdTp, recTp, pass.tpCollectiveBytes(), ctx, sendBytes, params, grads, buckets, optimizerSeconds,
                    shard * gradientBytes, shard * a, hostAdam, hostAdamCap,
                    model.tiedEmbeddings() && p.pp() > 1 && (s == 0 || s == p.pp() - 1)
                            ? (double) model.vocabSize() * model.hiddenSize() / p.tp() * gradientBytes : 0,
                    ExpertParallelPlan.expertGroup(all, p, s), ExpertParallelPlan.expertDataGroups(all, p, s), moeLayers,
                    pass.expertParallelBytesPerPeer(), expertParams, expertGrads, TrainingMemory.optimizerStateBytes(shard),
                    scale));
        }
        StepPlan built = new StepPlan(List.copyOf(stages), v, spec.zeroStage() == 3);
        OffloadTiers.checkCapacity(cluster, spec, built);
        return built;
    }

    /** Bytes one parameter's Adam update reads and writes: fp32 master, two moments and the gradient in; master
     * and moments out, and the 16-bit weight (4+4+4+2 + 4+4+4+2). */
    static final double ADAM_BYTES_PER_PARAMETER = 28;
    /** FP32 operations of one parameter's Adam update (moments, bias correction, square root, division, update). */
    static final double ADAM_FLOPS_PER_PARAMETER = 12;

    /** Devices of the simulated replica (every stage) on node {@code node}. */
    private static int simulatedOnNode(Cluster cluster, ParallelPlan p, int node) {
        int n = 0;
        for (int s = 0; s < p.pp(); s++) {
            for (int c = 0; c < p.cp(); c++) {
                for (int r = 0; r < p.tp(); r++) {
                    if (cluster.devices().get(p.rank(s, 0, c, r)).nodeIndex() == node) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /**
     * Host memory is shared by every device of a node, but only one replica is simulated: per node, the job's
     * devices on it over the simulated devices on it (all stages), by which each simulated device's host work
     * is scaled.
     */
    private static double[] hostWorkScale(Cluster cluster, ParallelPlan p) {
        double[] scale = new double[cluster.nodes().size()];
        for (int node = 0; node < scale.length; node++) {
            int simulated = simulatedOnNode(cluster, p, node);
            scale[node] = simulated == 0 ? 1 : (double) cluster.nodes().get(node).devices().size() / simulated;
        }
        return scale;
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
                    d.profile().name(), d.profile().memory().capacityBytes(), spec.gradientPrecision().bytesPerElement()));
        }
        return out;
    }
}
