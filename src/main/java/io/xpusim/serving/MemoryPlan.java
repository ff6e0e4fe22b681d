package io.xpusim.serving;

import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.TierSpec;
import io.xpusim.model.ModelSpec;
import io.xpusim.units.DataSize;
import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How one tensor-parallel rank's device memory is split, vLLM-style: the usable fraction of capacity,
 * minus weights, minus a reserve for the activations of the largest batch, leaves the KV cache, counted
 * in whole blocks.
 *
 * <p>Activation reserve per rank (peak of one layer, the engine frees activations between layers):
 * max-batched-tokens × (4·hidden + query width/tp + 2·KV heads per rank·head dim + 3·intermediate/tp) × activation
 * bytes, plus fp32 logits for
 * max-seqs sampled rows (max-seqs × vocab/tp × 4 B).
 *
 * <p>A mixture-of-experts model under expert parallelism holds its routed experts' slots whole on each device
 * ({@link ModelSpec#weightBytesPerDevice}); its activation reserve takes the widest MLP a token passes (the dense
 * layers' or its top-k plus shared experts'), for 1/attention-dp of the batch. KV blocks are per device; a replica of
 * attention-dp groups has that many times the blocks (see {@link #replicaKvBlocks}).
 *
 * <p>With expert offloading ({@link ExpertOffload}) only the cache's and the staging slots' experts are on the device
 * ({@link ExpertOffload#gpuWeightBytes}).
 *
 * <p>With speculative decoding the draft model's weights (same tp) come off the budget too, and every KV block also
 * holds the draft's KV for its tokens (the draft's cache is paged in lockstep with the target's). The draft's
 * activations are not reserved separately: its passes are far smaller than the target's and run between them. A draft
 * on a device of its own or the host CPU takes nothing here.
 *
 * <p>With pipeline parallelism each stage is planned for its own layers; see {@link #stages}.
 *
 * <p>With offload ({@link OffloadConfig}) part of it moves to the rank's share of host memory ({@link #HOST_USABLE}
 * of the node's DRAM divided by its devices): streamed weights leave on the device only their resident fraction plus
 * a double buffer of two layers' streamed part (load the next while computing this one); with attention on the CPU
 * the KV cache lives in host memory and the device keeps none; with attention on computational storage
 * ({@code attention: csd}) it lives in the rank's share of the node's drives ({@link #STORAGE_USABLE} of the tier's
 * capacity divided by the node's devices), which must hold at least one sequence of max-model-len tokens.
 *
 * @param weightBytes     weights resident in device memory (streamed weights: the resident part and the double buffer)
 * @param hostWeightBytes streamed weights held in host memory for this rank (0 without weight offload)
 * @param kvTier          where the KV blocks are: {@link TierSpec#DEVICE}, {@link TierSpec#HOST} (attention on the
 *                        CPU) or the name of the node's computational-storage tier ({@code attention: csd}; by
 *                        default {@code csd}) — the {@code memory_tiers} row its pages are booked in
 */
public record MemoryPlan(double usableBytes, double weightBytes, double activationReserveBytes, double kvBlockBytes,
                         int kvBlocks, double hostWeightBytes, String kvTier) {

    /** Fraction of a node's host memory an engine may use for offloaded weights and KV (assumption; the rest: OS, runtime). */
    public static final double HOST_USABLE = 0.9;
    /**
     * Fraction of a computational storage drive's capacity the KV cache may fill (assumption: the rest for the file
     * system and other data, as with {@link #HOST_USABLE}).
     */
    public static final double STORAGE_USABLE = 0.9;

    /** Whether the KV blocks are in host memory (attention on the CPU). */
    public boolean kvOnHost() {
        return kvTier.equals(TierSpec.HOST);
    }

    public double kvBytes() {
        return kvBlocks * kvBlockBytes;
    }

    /** KV blocks of one replica: every attention group holds its own sequences' blocks. */
    public static int replicaKvBlocks(MemoryPlan plan, ServingConfig c) {
        return (int) Math.min(Integer.MAX_VALUE, (long) plan.kvBlocks() * c.attentionDp());
    }

    /** The plan of a deployment that offloads nothing. */
    public static MemoryPlan plan(ModelSpec m, DeviceProfile device, ServingConfig c) {
        return plan(m, device, c, 0, 0, null);
    }

    /** The plan of a rank on a device of {@code node} (its share of the node's host memory and storage drives). */
    public static MemoryPlan plan(ModelSpec m, DeviceProfile device, ServingConfig c, NodeProfile node) {
        TierSpec storage = node.computationalStorage();
        return plan(m, device, c, hostBytesPerDevice(node), storageBytesPerDevice(node),
                storage == null ? null : storage.name());
    }

    /**
     * The plan of a replica: with pipeline parallelism the stage with the fewest KV blocks bounds every stage's cache
     * (a sequence's KV is on every stage), as vLLM takes the minimum over its workers.
     */
    private static MemoryPlan plan(ModelSpec m, DeviceProfile device, ServingConfig c, double hostBytesPerDevice,
                                   double storageBytesPerDevice, String storageTier) {
        MemoryPlan best = null;
        for (MemoryPlan p : stages(m, device, c, hostBytesPerDevice, storageBytesPerDevice, storageTier)) {
            if (best == null || p.kvBlocks() < best.kvBlocks()) {
                best = p;
            }
        }
        return best;
    }

    /** The per-stage plans of a deployment that offloads nothing. */
    public static List<MemoryPlan> stages(ModelSpec m, DeviceProfile device, ServingConfig c) {
        return stages(m, device, c, 0, 0, null);
    }

    /**
     * One plan per pipeline stage (one for pp = 1): stage s holds its layers' weights (the embedding on the first,
     * the LM head on the last, see {@link ModelSpec#weightBytesPerRank(int, Precision, int, int)}) and the KV of its
     * layers; every stage reserves one layer's activations, and the last the fp32 logits too.
     *
     * @param hostBytesPerDevice    this rank's share of its node's host memory (capacity; {@link #HOST_USABLE} of it is
     *                              used), needed only with offload
     * @param storageBytesPerDevice this rank's share of its node's computational storage drives (capacity;
     *                              {@link #STORAGE_USABLE} of it is used), needed only with {@code attention: csd}
     * @param storageTier           the name of those drives' tier (null when the node has none)
     */
    private static List<MemoryPlan> stages(ModelSpec m, DeviceProfile device, ServingConfig c, double hostBytesPerDevice,
                                           double storageBytesPerDevice, String storageTier) {
        int tp = c.tp();
        int pp = c.pp();
        double usable = device.memory().capacityBytes() * c.gpuMemoryUtilization();
        Speculation spec = c.speculation() != null && c.speculation().onTargetDevices() ? c.speculation() : null;
        MoeServing moe = c.moe();
        OffloadConfig off = c.offload();
        ExpertOffload expertOffload = moe == null ? null : moe.offload();
        double a = c.activations().bytesPerElement();
        // the widest MLP a token passes through: the dense layers', or a MoE layer's top-k experts plus shared ones
        double mlp = m.denseMlpLayers() > 0 ? m.intermediateSize() / (double) tp : 0;
        if (m.isMoe()) {
            double perRank = moe != null && moe.expertParallel() ? 1 : tp;
            mlp = Math.max(mlp, (m.moe().topK() + m.moe().sharedExperts()) * (double) m.moe().expertIntermediateSize() / perRank);
        }
        double perToken = 4.0 * m.hiddenSize() + (double) m.queryWidth() / tp + 2.0 * m.kvHeadsPerRank(tp) * m.headDim()
                + (m.isMoe() ? 3.0 * mlp : 3.0 * m.intermediateSize() / tp);
        // an attention group runs its share of the batch: 1/attention-dp of the tokens and sampled rows
        int groups = c.attentionDp();
        double host = hostBytesPerDevice * HOST_USABLE;
        List<MemoryPlan> out = new ArrayList<>(pp);
        for (int s = 0; s < pp; s++) {
            double allWeights = (expertOffload != null ? expertOffload.gpuWeightBytes(m, tp, c.weights())
                    : moe != null && moe.expertParallel() ? m.weightBytesPerDevice(tp, moe.slotsPerDevice(m), c.weights())
                    : m.weightBytesPerRank(tp, c.weights(), s, pp))
                    + (spec == null ? 0 : spec.draft().weightBytesPerRank(tp, c.weights()));
            double streamed = allWeights * off.streamedWeightFraction();
            double weights = allWeights - streamed + 2 * streamed / m.layers();
            double logits = s == pp - 1 ? Math.ceil(c.scheduler().maxSeqs() / (double) groups) * m.vocabSize() / tp * 4 : 0;
            double activations = Math.ceil(c.scheduler().maxBatchedTokens() / (double) groups) * perToken * a + logits;
            // a stage caches the KV of its own layers only: 1/pp of the model's
            double blockBytes = c.scheduler().blockTokens() * (m.kvBytesPerTokenPerRank(tp, c.kvCache()) / pp
                    + (spec == null ? 0 : spec.draft().kvBytesPerTokenPerRank(tp, c.kvCache())));
            if (off.any() && host - streamed < (off.attentionOnCpu() ? blockBytes : 0)) {
                throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                        "offloading %s needs %.1f GiB of host memory per device%s, but the node has %.1f GiB per device "
                                + "(%.0f%% of it usable)", m.name(), streamed / GIB, off.attentionOnCpu() ? " plus its KV cache" : "",
                        hostBytesPerDevice / GIB, 100 * HOST_USABLE),
                        "raise tensor parallelism, keep more weights on the device (offload.weights-on-gpu) or use a node "
                                + "with more host memory");
            }
            double left = usable - weights - activations;
            double needed = off.attentionOffloaded() ? 0 : blockBytes;
            String stage = pp == 1 ? "" : String.format(Locale.ROOT, " (pipeline stage %d of pp=%d)", s, pp);
            if (left < needed) {
                throw new InfeasibleConfigurationException(weights > usable
                        ? String.format(Locale.ROOT, "%s%s weights need %.1f GiB per device at tp=%d%s%s; %s has %.1f GiB, "
                                + "%.1f GiB of it usable (%.0f%%)", m.name(), spec == null ? "" : " with draft model " + spec.draft().name(),
                        weights / GIB, tp, stage, off.weightsOnCpu() ? " even streamed (resident part and double buffer)" : "",
                        device.name(), device.memory().capacityBytes() / GIB, usable / GIB, 100 * c.gpuMemoryUtilization())
                        : String.format(Locale.ROOT, "weights plus activations do not fit on %s: %s%s needs %.1f GiB of "
                                + "weights and %.1f GiB of activations per device at tp=%d%s, but only %.1f GiB is usable (%.0f%% "
                                + "of %.1f GiB)", device.name(), m.name(), spec == null ? "" : " with draft model "
                                + spec.draft().name(), weights / GIB, activations / GIB, tp, stage, usable / GIB,
                        100 * c.gpuMemoryUtilization(), device.memory().capacityBytes() / GIB),
                        (expertOffload != null ? String.format(Locale.ROOT, "the expert cache holds %d experts and %d "
                                + "staging slots of %.2f GB each: lower strategy.moe.offload.cache, or ",
                                expertOffload.cacheSlots(m), ExpertOffload.stagingSlots(m),
                                m.expertParameters() * c.weights().bytesPerElement() / tp / 1e9) : "")
                                + "raise tensor parallelism" + (pp > 1 ? " (or pipeline parallelism)" : "") + ", lower "
                                + "max-batched-tokens, use lower-precision weights or a device with more memory"
                                + (spec == null ? "" : ", or choose a smaller draft model")
                                + (off.weightsOnCpu() ? ", or keep fewer weights on the device (offload.weights-on-gpu)"
                                : weights > usable && pp == 1 ? ", or stream the weights from host memory: strategy.offload: { weights: cpu }" : ""));
            }
            boolean inStorage = off.attention().equals(AttentionOffloads.CSD);
            double kvSpace = off.attentionOnCpu() ? host - streamed : inStorage ? storageBytesPerDevice * STORAGE_USABLE : left;
            if (inStorage) {
                double sequence = Math.ceil(c.maxModelLen() / (double) c.scheduler().blockTokens()) * blockBytes;
                if (kvSpace < sequence) {
                    throw new InfeasibleConfigurationException(String.format(Locale.ROOT, "the KV cache of one %d-token "
                                    + "sequence of %s needs %.2f GiB per device, but the node's computational storage gives "
                                    + "each device %.2f GiB (%.0f%% of its share of the drives)", c.maxModelLen(), m.name(),
                            sequence / GIB, kvSpace / GIB, 100 * STORAGE_USABLE),
                            "add drives to the tier (count), lower max-model-len, or use attention: cpu or none");
                }
            }
            String tier = off.attentionOnCpu() ? TierSpec.HOST : inStorage ? storageTier : TierSpec.DEVICE;
            out.add(new MemoryPlan(usable, weights, activations, blockBytes,
                    (int) Math.min(Integer.MAX_VALUE, Math.floor(kvSpace / blockBytes)), streamed, tier));
        }
        return out;
    }

    /**
     * Checks that a draft model running off its target's devices fits where it runs: its weights (tp 1) plus its KV for
     * as many tokens as the target replica's KV cache holds, within the device memory × gpu-memory-utilization (an
     * accelerator) or the CPU socket's whole memory.
     */
    public static void checkRemoteDraft(ModelSpec draft, DeviceProfile device, ServingConfig c, long kvTokens, boolean cpu) {
        double capacity = device.memory().capacityBytes() * (cpu ? 1 : c.gpuMemoryUtilization());
        double weights = draft.weightBytesPerRank(1, c.weights());
        double kv = kvTokens * draft.kvBytesPerTokenPerRank(1, c.kvCache());
        if (weights + kv > capacity) {
            throw new InfeasibleConfigurationException(String.format(Locale.ROOT, "draft model %s does not fit on %s: "
                    + "%.1f GiB of weights plus %.1f GiB of KV for the %d tokens its target's KV cache holds, but %.1f GiB "
                    + "is usable", draft.name(), device.name(), weights / GIB, kv / GIB, kvTokens, capacity / GIB),
                    "choose a smaller draft model, or lower the target's KV cache (gpu-memory-utilization)");
        }
    }

    /** One device's share of its node's computational storage capacity (0 when the node has no such drives). */
    public static double storageBytesPerDevice(NodeProfile node) {
        TierSpec t = node.computationalStorage();
        return t == null ? 0 : t.capacityBytes() / Math.max(1, node.deviceCount());
    }

    /** One device's share of its node's host memory capacity (0 when the node has none). */
    public static double hostBytesPerDevice(io.xpusim.hardware.NodeProfile node) {
        return node.hostMemory() == null ? 0
                : node.hostMemory().capacityBytes() * node.hostMemoryCount() / Math.max(1, node.deviceCount());
    }

    private static final double GIB = DataSize.BYTES_PER_GIB;
}
