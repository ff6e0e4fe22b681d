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

    /** Parameters of one dense transformer layer's attention block (weights and biases). */
    public double attentionParameters() {
        double h = hiddenSize;
        double w = h * queryWidth() + 2 * h * kvWidth() + queryWidth() * h;
        double b = bias ? queryWidth() + 2.0 * kvWidth() + h : 0;
        return w + b;
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

    /** Total parameters of a dense model from its hyperparameters. */
    public double parameterCount() {
        if (moe != null || mla != null) {
            throw new UnsupportedOperationException("parameter formula for MoE/MLA models comes with MoE execution");
        }
        return layers * (attentionParameters() + mlpParameters() + layerNormParameters()) + nonLayerParameters();
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
     * Weight bytes on one tensor-parallel rank: everything sharded tp ways, except norms (replicated) and the K/V
     * projections, which hold whole KV heads (replicated when tp exceeds the KV-head count).
     */
    public double weightBytesPerRank(int tp, Precision weights) {
        double norms = layers * layerNormParameters() + finalNormParameters();
        double attention = layers * attentionParameters();
        return ((parameterCount() - norms - attention) / tp + norms + layers * attentionParametersPerRank(tp))
                * weights.bytesPerElement();
    }
}
