package io.xpusim.model;

import io.xpusim.units.Precision;

/**
 * A transformer language model's architecture, as in its published config. The formulas for parameters
 * and KV-cache size live here and only here.
 *
 * @param moe null for a dense model
 * @param mla null unless the model uses multi-head latent attention
 */
public record ModelSpec(String name, String description, int hiddenSize, int layers, int heads, int kvHeads,
                        int headDim, int intermediateSize, int vocabSize, MlpKind mlp, boolean layerNorm,
                        boolean learnedPositions, boolean bias, boolean tiedEmbeddings, int maxContext,
                        double publishedParameters, MoeSpec moe, MlaSpec mla, String source) {

    public boolean isMoe() {
        return moe != null;
    }

    /** Width of the attention's query projection output: heads × head dimension. */
    public long queryWidth() {
        return (long) heads * headDim;
    }

    /** Width of one of K or V: kv-heads × head dimension. */
    public long kvWidth() {
        return (long) kvHeads * headDim;
    }

    /** Parameters of one layer's attention block (weights and biases; with MLA, its low-rank projections and norms). */
    public double attentionParameters() {
        if (mla != null) {
            return mlaReplicatedParameters() + mlaShardedParameters();
        }
        double h = hiddenSize;
        double w = h * queryWidth() + 2 * h * kvWidth() + queryWidth() * h;
        double b = bias ? queryWidth() + 2.0 * kvWidth() + h : 0;
        return w + b;
    }

    /**
     * MLA parameters every tensor-parallel rank holds whole (vLLM/SGLang replicate them): the down-projections of the
     * query (to q-lora-rank) and of the KV (to the latent plus the decoupled RoPE key), and the two latent norms.
     */
    private double mlaReplicatedParameters() {
        double h = hiddenSize;
        double q = mla.qLoraRank() > 0 ? h * mla.qLoraRank() + mla.qLoraRank() : 0;
        return q + h * (mla.kvLoraRank() + mla.qkRopeHeadDim()) + mla.kvLoraRank();
    }

    /**
     * MLA parameters split by head over tensor-parallel ranks: the query up-projection (or the full query projection
     * without q compression), the KV up-projection from the latent to per-head no-RoPE keys and values, and the output.
     */
    private double mlaShardedParameters() {
        double qIn = mla.qLoraRank() > 0 ? mla.qLoraRank() : hiddenSize;
        double qk = mla.qkNopeHeadDim() + mla.qkRopeHeadDim();
        return qIn * heads * qk + (double) mla.kvLoraRank() * heads * (mla.qkNopeHeadDim() + mla.vHeadDim())
                + (double) heads * mla.vHeadDim() * hiddenSize;
    }

    /** Layers with a mixture-of-experts block (0 for a dense model). */
    public int moeLayers() {
        return moe == null ? 0 : layers - moe.denseLayers();
    }

    /** Layers with a dense MLP of {@code intermediateSize} (all layers of a dense model). */
    public int denseMlpLayers() {
        return layers - moeLayers();
    }

    /** Parameters of one routed (or shared) expert: an MLP of {@code moe.expertIntermediateSize}. */
    public double expertParameters() {
        return (double) mlp.matrices() * hiddenSize * moe.expertIntermediateSize();
    }

    /** Parameters of one MoE layer's router (gate): hidden × experts. */
    public double routerParameters() {
        return (double) hiddenSize * moe.experts();
    }

    /** Routed-expert parameters of the whole model: MoE layers × experts × expert size. */
    public double routedExpertParameters() {
        return moe == null ? 0 : (double) moeLayers() * moe.experts() * expertParameters();
    }

    /** Parameters one token uses in a forward pass: all but the routed experts it does not select (top-k of them). */
    public double activeParameterCount() {
        if (moe == null) {
            return parameterCount();
        }
        return parameterCount() - (double) moeLayers() * (moe.experts() - moe.topK()) * expertParameters();
    }

    /** Parameters of one dense layer's MLP. */
    public double mlpParameters() {
        double w = (double) mlp.matrices() * hiddenSize * intermediateSize;
        double b = bias ? (mlp.matrices() - 1.0) * intermediateSize + hiddenSize : 0;
        return w + b;
    }

    /** Norm parameters of one layer (two norms; LayerNorm has a bias too). */
    public double layerNormParameters() {
        return (layerNorm ? 4.0 : 2.0) * hiddenSize;
    }

    /** Parameters of one layer's attention held by each of {@code tp} tensor-parallel ranks. */
    public double attentionParametersPerRank(int tp) {
        if (mla != null) {
            return mlaReplicatedParameters() + mlaShardedParameters() / tp;
        }
        // K and V projections are split by KV head; with more ranks than KV heads each rank holds a whole head
        double kvProjection = 2.0 * (hiddenSize + (bias ? 1 : 0)) * kvWidth();
        double kvProjectionPerRank = 2.0 * (hiddenSize + (bias ? 1 : 0)) * kvHeadsPerRank(tp) * headDim;
        return (attentionParameters() - kvProjection) / tp + kvProjectionPerRank;
    }

    /** Parameters of the token embedding, vocabulary × hidden (also the LM head's size). */
    public double embeddingParameters() {
        return (double) vocabSize * hiddenSize;
    }

    /** Parameters of the learned position embedding; 0 for rotary or other unlearned positions. */
    public double positionParameters() {
        return learnedPositions ? (double) maxContext * hiddenSize : 0;
    }

    /** Parameters of the norm after the last layer (LayerNorm has a bias too). */
    public double finalNormParameters() {
        return layerNorm ? 2.0 * hiddenSize : hiddenSize;
    }

    /** Embeddings, learned positions, final norm and (untied) LM head. */
    public double nonLayerParameters() {
        double head = tiedEmbeddings ? 0 : embeddingParameters();
        return embeddingParameters() + head + positionParameters() + finalNormParameters();
    }

    /**
     * Total parameters from the hyperparameters: every layer's attention and norms, the dense layers' MLPs, and each
     * MoE layer's router, routed experts and shared experts, plus embeddings and head. (Qwen3's per-head QK norms,
     * 2·head-dim per layer, are not counted.)
     */
    public double parameterCount() {
        if (moe == null && mla == null) {
            return layers * (attentionParameters() + mlpParameters() + layerNormParameters()) + nonLayerParameters();
        }
        double moeLayer = moe == null ? 0 : routerParameters() + (moe.experts() + moe.sharedExperts()) * expertParameters();
        return layers * (attentionParameters() + layerNormParameters()) + denseMlpLayers() * mlpParameters()
                + moeLayers() * moeLayer + nonLayerParameters();
    }

    /** KV heads held by each of {@code tp} tensor-parallel ranks (replicated when tp > kv heads). */
    public int kvHeadsPerRank(int tp) {
        return Math.max(1, kvHeads / tp);
    }

    /** KV-cache bytes one token occupies on one tensor-parallel rank, over all layers. */
    public double kvBytesPerTokenPerRank(int tp, Precision kv) {
        if (mla != null) {
            return (double) layers * (mla.kvLoraRank() + mla.qkRopeHeadDim()) * kv.bytesPerElement();
        }
        return 2.0 * layers * kvHeadsPerRank(tp) * headDim * kv.bytesPerElement();
    }

    /**
     * Weight bytes on one device of an expert-parallel deployment: everything but the routed experts as on one of
     * {@code tp} tensor-parallel ranks ({@link #weightBytesPerRank}), plus {@code expertSlots} whole routed experts in
     * every MoE layer (experts / ep, more with redundant replicas).
     */
    public double weightBytesPerDevice(int tp, int expertSlots, Precision weights) {
        double nonRouted = weightBytesPerRank(tp, weights) - routedExpertParameters() / tp * weights.bytesPerElement();
        return nonRouted + (double) moeLayers() * expertSlots * expertParameters() * weights.bytesPerElement();
    }

    /**
     * Weight bytes on one tensor-parallel rank: everything sharded tp ways, except norms (replicated), the K/V
     * projections, which hold whole KV heads (replicated when tp exceeds the KV-head count), and MLA's down-projections
     * (replicated). Routed experts are sharded tp ways too (tensor-parallel experts, no expert parallelism).
     */
    public double weightBytesPerRank(int tp, Precision weights) {
        double norms = layers * layerNormParameters() + finalNormParameters();
        double attention = layers * attentionParameters();
        return ((parameterCount() - norms - attention) / tp + norms + layers * attentionParametersPerRank(tp))
                * weights.bytesPerElement();
    }

    /**
     * Weight bytes on one tensor-parallel rank of pipeline stage {@code stage} of {@code pp} (layers split evenly): the
     * stage's share of the layer weights of {@link #weightBytesPerRank}, plus the vocabulary-parallel token embedding
     * and learned positions on the first stage, and the final norm and LM head on the last. With tied embeddings and
     * pp > 1 the last stage holds its own copy of the embedding as the head, as vLLM and Megatron-LM do.
     */
    public double weightBytesPerRank(int tp, Precision weights, int stage, int pp) {
        if (pp == 1) {
            return weightBytesPerRank(tp, weights);
        }
        double b = weights.bytesPerElement();
        double embedding = embeddingParameters() / tp * b;
        double positions = positionParameters() / tp * b;
        double head = finalNormParameters() * b + (tiedEmbeddings ? 0 : embedding);
        double layers = weightBytesPerRank(tp, weights) - embedding - positions - head;
        return layers / pp + (stage == 0 ? embedding + positions : 0)
                + (stage == pp - 1 ? finalNormParameters() * b + embedding : 0);
    }
}
