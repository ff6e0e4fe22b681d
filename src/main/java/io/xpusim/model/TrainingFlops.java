package io.xpusim.model;

/**
 * FLOPs of training a dense transformer, the one place these formulas live. Convention of Megatron-LM
 * (Narayanan et al. 2021, eq. 3): a layer's forward is 2 FLOPs per matmul weight per token plus
 * 4·s²·(query width) for the attention scores and the weighted sum over the full s×s matrix (causal
 * masking is not discounted); backward is twice the forward; the LM head adds 2·s·h·V forward.
 * For GPT-style models this gives exactly eq. 3: 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)) with full
 * recomputation. A mixture-of-experts layer counts the weights a token is multiplied by: its router and its top-k
 * (and shared) experts (Megatron-Core's MoE FLOPs convention); every layer of a model trained here is a MoE layer.
 */
public final class TrainingFlops {
    private TrainingFlops() {
    }

    /** Forward FLOPs of one sequence of {@code s} tokens through one layer (matmuls only, as the paper counts). */
    public static double layerForward(ModelSpec m, int s) {
        double h = m.hiddenSize();
        double attentionWeights = h * m.queryWidth() + 2 * h * m.kvWidth() + (double) m.queryWidth() * h;
        // a MoE layer's token passes its router and its top-k (and shared) experts: the weights it is multiplied by
        double mlpWeights = m.isMoe()
                ? m.routerParameters() + (m.moe().topK() + m.moe().sharedExperts()) * m.expertParameters()
                : (double) m.mlp().matrices() * h * m.intermediateSize();
        return 2.0 * s * (attentionWeights + mlpWeights) + attentionCoreForward(m, s);
    }

    /** Forward FLOPs of the attention core (QKᵀ and ·V) of one sequence in one layer: what selective recompute reruns. */
    public static double attentionCoreForward(ModelSpec m, int s) {
        return 4.0 * s * s * m.queryWidth();
    }

    /** Forward FLOPs of the LM head for one sequence. */
    public static double logitsForward(ModelSpec m, int s) {
        return 2.0 * s * m.hiddenSize() * m.vocabSize();
    }

    /** Model FLOPs of one step (forward + backward, nothing recomputed): the numerator of MFU. */
    public static double model(ModelSpec m, long batch, int s) {
        return batch * 3.0 * (m.layers() * layerForward(m, s) + logitsForward(m, s));
    }

    /** Hardware FLOPs of one step: model FLOPs plus what recomputation reruns (the numerator of HFU, and of
     * Megatron-LM's reported TFLOP/s, whose eq. 3 assumes full recomputation). */
    public static double hardware(ModelSpec m, long batch, int s, Recompute r) {
        double extraPerSequence = switch (r) {
            case NONE -> 0;
            case SELECTIVE -> m.layers() * attentionCoreForward(m, s);
            case FULL -> m.layers() * layerForward(m, s);
        };
        return model(m, batch, s) + batch * extraPerSequence;
    }

    /** The 6·N·tokens estimate (Kaplan et al. 2020): ignores attention scores, counts embedding parameters. */
    public static double sixN(double parameters, double tokens) {
        return 6.0 * parameters * tokens;
    }
}
