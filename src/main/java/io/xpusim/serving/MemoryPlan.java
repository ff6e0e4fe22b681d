package io.xpusim.serving;

import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.ModelSpec;
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
 * <p>With speculative decoding the draft model's weights (same tp) come off the budget too, and every KV block also
 * holds the draft's KV for its tokens (the draft's cache is paged in lockstep with the target's). The draft's
 * activations are not reserved separately: its passes are far smaller than the target's and run between them.
 */
public record MemoryPlan(double usableBytes, double weightBytes, double activationReserveBytes, double kvBlockBytes,
                         int kvBlocks) {

    public double kvBytes() {
        return kvBlocks * kvBlockBytes;
    }

    /** KV blocks of one replica: every attention group holds its own sequences' blocks. */
    public static int replicaKvBlocks(MemoryPlan plan, ServingConfig c) {
        return (int) Math.min(Integer.MAX_VALUE, (long) plan.kvBlocks() * c.attentionDp());
    }

    public static MemoryPlan plan(ModelSpec m, DeviceProfile device, ServingConfig c) {
        int tp = c.tp();
        double usable = device.memory().capacityBytes() * c.gpuMemoryUtilization();
        Speculation spec = c.speculation();
        MoeServing moe = c.moe();
        double weights = (moe != null && moe.expertParallel()
                ? m.weightBytesPerDevice(tp, moe.slotsPerDevice(m), c.weights()) : m.weightBytesPerRank(tp, c.weights()))
                + (spec == null ? 0 : spec.draft().weightBytesPerRank(tp, c.weights()));
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
        double activations = Math.ceil(c.scheduler().maxBatchedTokens() / (double) groups) * perToken * a
                + Math.ceil(c.scheduler().maxSeqs() / (double) groups) * m.vocabSize() / tp * 4;
        double blockBytes = c.scheduler().blockTokens() * (m.kvBytesPerTokenPerRank(tp, c.kvCache())
                + (spec == null ? 0 : spec.draft().kvBytesPerTokenPerRank(tp, c.kvCache())));
        double left = usable - weights - activations;
        if (left < blockBytes) {
            String what = weights > usable ? "the weights alone" : "weights plus activations";
            throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                    "%s do not fit on %s: %s%s needs %.1f GiB of weights and %.1f GiB of activations per device at tp=%d, "
                            + "but only %.1f GiB is usable (%.0f%% of %.1f GiB)", what, device.name(), m.name(),
                    spec == null ? "" : " with draft model " + spec.draft().name(), weights / GIB, activations / GIB, tp, usable / GIB, 100 * c.gpuMemoryUtilization(),
                    device.memory().capacityBytes() / GIB),
                    "raise tensor parallelism, lower max-batched-tokens, use lower-precision weights or a device with more memory"
                            + (spec == null ? "" : ", or choose a smaller draft model"));
        }
        return new MemoryPlan(usable, weights, activations, blockBytes, (int) Math.min(Integer.MAX_VALUE, Math.floor(left / blockBytes)));
    }

    private static final double GIB = 1024.0 * 1024 * 1024;
}
