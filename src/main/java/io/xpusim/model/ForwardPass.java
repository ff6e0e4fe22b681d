package io.xpusim.model;

import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers one forward pass of a dense transformer over a {@link BatchShape} to the operators each
 * tensor-parallel rank runs, with FLOPs (a multiply-add is 2) and bytes moved to/from device memory.
 * Megatron-style tensor parallelism: QKV and gate/up column-parallel, O and down row-parallel, two
 * all-reduces of the hidden state per layer; the LM head is vocabulary-parallel.
 *
 * @param weights     precision of stored weights
 * @param activations precision of activations
 * @param kvCache     precision of the KV cache
 */
public record ForwardPass(ModelSpec model, int tp, Precision weights, Precision activations, Precision kvCache) {

    public ForwardPass {
        if (model.isMoe() || model.mla() != null) {
            throw new UnsupportedOperationException("model " + model.name()
                    + " uses mixture-of-experts or latent attention, which serving does not execute yet");
        }
    }

    /** Operators for one iteration; per-layer operators carry {@code repeat = layers}. */
    public List<Operator> operators(BatchShape b) {
        List<Operator> ops = new ArrayList<>(16);
        double h = model.hiddenSize();
        double w = weights.bytesPerElement();
        double a = activations.bytesPerElement();
        double kvb = kvCache.bytesPerElement();
        double t = b.tokens();
        double q = model.queryWidth() / (double) tp;
        double kv = (double) model.kvHeadsPerRank(tp) * model.headDim();
        double ffn = model.intermediateSize() / (double) tp;
        int layers = model.layers();
        int mlpIn = model.mlp() == MlpKind.SWIGLU ? 2 : 1;

        ops.add(new Operator("input-norm", OpKind.ELEMENTWISE, 5 * t * h, 2 * t * h * a, t, layers));
        ops.add(gemm("qkv-proj", t, h, q + 2 * kv, w, a, layers));
        // rotary embedding on Q and K, then the new K and V written into the paged cache
        ops.add(new Operator("rope-kv-write", OpKind.ELEMENTWISE, 6 * t * (q + kv),
                2 * t * (q + kv) * a + 2 * t * kv * kvb, t, layers));
        double headsPerRank = model.heads() / (double) tp;
        if (b.prefillTokens() > 0) {
            double flops = 4 * headsPerRank * model.headDim() * b.prefillAttentionPairs();
            double bytes = 2 * b.prefillKvTokens() * kv * kvb + 2 * b.prefillTokens() * q * a;
            ops.add(new Operator("prefill-attention", OpKind.ATTENTION, flops, bytes, b.prefillTokens(), layers));
        }
        if (b.decodeSeqs() > 0) {
            double flops = 4 * headsPerRank * model.headDim() * b.decodeKvTokens();
            double bytes = 2 * b.decodeKvTokens() * kv * kvb + 2 * b.decodeSeqs() * q * a;
            ops.add(new Operator("decode-attention", OpKind.ATTENTION, flops, bytes, b.decodeSeqs(), layers));
        }
        ops.add(gemm("o-proj", t, q, h, w, a, layers));
        ops.add(new Operator("post-attn-norm", OpKind.ELEMENTWISE, 6 * t * h, 3 * t * h * a, t, layers));
        ops.add(gemm(mlpIn == 2 ? "gate-up-proj" : "fc1", t, h, mlpIn * ffn, w, a, layers));
        ops.add(new Operator("activation", OpKind.ELEMENTWISE, 4 * t * ffn, (mlpIn + 1) * t * ffn * a, t, layers));
        ops.add(gemm(mlpIn == 2 ? "down-proj" : "fc2", t, ffn, h, w, a, layers));
        ops.add(new Operator("residual-add", OpKind.ELEMENTWISE, t * h, 3 * t * h * a, t, layers));

        // once per iteration: embedding lookup, final norm, LM head on the sampled rows, sampling
        double s = b.sampledTokens();
        double vocab = model.vocabSize() / (double) tp;
        ops.add(new Operator("embedding", OpKind.ELEMENTWISE, 0, t * h * (w + a), t, 1));
        ops.add(new Operator("final-norm", OpKind.ELEMENTWISE, 5 * s * h, 2 * s * h * a, s, 1));
        if (s > 0) {
            ops.add(gemm("lm-head", s, h, vocab, w, a, 1));
            ops.add(new Operator("sampling", OpKind.ELEMENTWISE, 5 * s * vocab, 2 * s * vocab * 4, s, 1));
        }
        return ops;
    }

    /** Names of every operator {@link #operators} can produce (what a measured-cost table may list). */
    public static final java.util.List<String> OPERATOR_NAMES = java.util.List.of("input-norm", "qkv-proj", "rope-kv-write",
            "prefill-attention", "decode-attention", "o-proj", "post-attn-norm", "gate-up-proj", "fc1", "activation",
            "down-proj", "fc2", "residual-add", "embedding", "final-norm", "lm-head", "sampling");

    /** Tensor-parallel all-reduces per iteration: two per layer (after O and after the MLP). */
    public int allReducesPerPass() {
        return tp > 1 ? 2 * model.layers() : 0;
    }

    /** Bytes of each tensor-parallel all-reduce: the hidden state of every new token. */
    public double allReduceBytes(BatchShape b) {
        return b.tokens() * (double) model.hiddenSize() * activations.bytesPerElement();
    }

    /** A [rows × in] · [in × out] matmul on one rank: weights read once, activations in and out. */
    private static Operator gemm(String name, double rows, double in, double out, double w, double a, int repeat) {
        return new Operator(name, OpKind.GEMM, 2 * rows * in * out, in * out * w + rows * (in + out) * a, rows, repeat);
    }
}
