package io.xpusim.model;

import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers one forward pass of a transformer over a {@link BatchShape} to the operators each tensor-parallel rank
 * runs, with FLOPs (a multiply-add is 2) and bytes moved to/from device memory. Megatron-style tensor parallelism:
 * QKV and gate/up column-parallel, O and down row-parallel, two all-reduces of the hidden state per layer; the LM
 * head is vocabulary-parallel.
 *
 * <p>Multi-head latent attention (DeepSeek-V2/V3) runs in two forms, as FlashMLA-era engines do: prompt tokens in
 * the plain form (the cached latent is up-projected to per-head keys and values, then ordinary causal attention
 * with query/key dim qk-nope + qk-rope and value dim v-head-dim), decode tokens in the weight-absorbed form (the
 * key up-projection is folded into the query and the value up-projection applied after attention, so attention
 * reads only the latent and the RoPE key: multi-query attention over kv-lora-rank + qk-rope-head-dim elements per
 * token). The down-projections are replicated on every rank, the up-projections split by head.
 *
 * <p>A mixture-of-experts layer contributes its router GEMM, its shared experts (tensor-parallel like a dense MLP)
 * and the weighted combine of the top-k outputs here; its routed experts depend on where the tokens went and are
 * lowered by {@link #routedExperts} from tokens per expert.
 *
 * @param weights     precision of stored weights
 * @param activations precision of activations
 * @param kvCache     precision of the KV cache
 */
public record ForwardPass(ModelSpec model, int tp, Precision weights, Precision activations, Precision kvCache) {

    /** Operators for one iteration, routed experts excluded; per-layer operators carry {@code repeat = layers}. */
    public List<Operator> operators(BatchShape b) {
        return operators(b, 0, 1);
    }

    /**
     * Operators of pipeline stage {@code stage} of {@code pp} for one iteration: its contiguous {@code layers / pp}
     * layers (per-layer operators carry that repeat), plus the embedding on the first stage and the final norm, LM head
     * and sampling on the last. The layers must divide evenly (the scenario loader checks it); a mixture-of-experts
     * model runs as one stage (its dense and MoE layers are not split over stages).
     */
    public List<Operator> operators(BatchShape b, int stage, int pp) {
        if (pp < 1 || stage < 0 || stage >= pp || model.layers() % pp != 0 || (pp > 1 && model.isMoe())) {
            throw new IllegalArgumentException("stage " + stage + " of pp=" + pp + " for " + model.layers() + " layers"
                    + (model.isMoe() ? " of a mixture-of-experts model" : ""));
        }
        List<Operator> ops = new ArrayList<>(24);
        double h = model.hiddenSize();
        double w = weights.bytesPerElement();
        double a = activations.bytesPerElement();
        double t = b.tokens();
        int layers = model.layers() / pp;

        ops.add(new Operator("input-norm", OpKind.ELEMENTWISE, 5 * t * h, 2 * t * h * a, t, layers));
        if (model.mla() != null) {
            latentAttention(ops, b, layers);
        } else {
            attention(ops, b, layers);
        }
        ops.add(new Operator("post-attn-norm", OpKind.ELEMENTWISE, 6 * t * h, 3 * t * h * a, t, layers));
        if (model.denseMlpLayers() > 0) {
            mlp(ops, t, model.intermediateSize() / (double) tp, "", model.denseMlpLayers() / pp);
        }
        if (model.isMoe()) {
            MoeSpec moe = model.moe();
            int moeLayers = model.moeLayers();
            // the router is replicated: every rank scores its tokens against every expert
            ops.add(gemm("router", t, h, moe.experts(), w, a, moeLayers));
            if (moe.sharedExperts() > 0) {
                mlp(ops, t, moe.sharedExperts() * (double) moe.expertIntermediateSize() / tp, "shared-", moeLayers);
            }
            // weighted sum of each token's top-k expert outputs (and the shared output)
            double k = moe.topK() + (moe.sharedExperts() > 0 ? 1 : 0);
            ops.add(new Operator("moe-combine", OpKind.ELEMENTWISE, 2 * t * k * h, (k + 1) * t * h * a, t, moeLayers));
        }
        ops.add(new Operator("residual-add", OpKind.ELEMENTWISE, t * h, 3 * t * h * a, t, layers));

        // once per iteration: embedding lookup (first stage), final norm, LM head on the sampled rows, sampling (last)
        double s = b.sampledTokens();
        double vocab = model.vocabSize() / (double) tp;
        if (stage == 0) {
            ops.add(new Operator("embedding", OpKind.ELEMENTWISE, 0, t * h * (w + a), t, 1));
        }
        if (stage < pp - 1) {
            return ops;
        }
        ops.add(new Operator("final-norm", OpKind.ELEMENTWISE, 5 * s * h, 2 * s * h * a, s, 1));
        if (s > 0) {
            ops.add(gemm("lm-head", s, h, vocab, w, a, 1));
            ops.add(new Operator("sampling", OpKind.ELEMENTWISE, 5 * s * vocab, 2 * s * vocab * 4, s, 1));
        }
        return ops;
    }

    /** Grouped-query attention: QKV projection, rotary + KV write, attention over the cache, O projection. */
    private void attention(List<Operator> ops, BatchShape b, int layers) {
        double h = model.hiddenSize();
        double w = weights.bytesPerElement();
        double a = activations.bytesPerElement();
        double kvb = kvCache.bytesPerElement();
        double t = b.tokens();
        double q = model.queryWidth() / (double) tp;
        double kv = (double) model.kvHeadsPerRank(tp) * model.headDim();
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
    }

    /**
     * Multi-head latent attention on one rank holding heads/tp heads (see the class comment for the two forms).
     * Per token it caches kv-lora-rank + qk-rope-head-dim elements, the same on every rank.
     */
    private void latentAttention(List<Operator> ops, BatchShape b, int layers) {
        MlaSpec m = model.mla();
        double h = model.hiddenSize();
        double w = weights.bytesPerElement();
        double a = activations.bytesPerElement();
        double kvb = kvCache.bytesPerElement();
        double t = b.tokens();
        double heads = model.heads() / (double) tp;
        double latent = m.kvLoraRank();
        double rope = m.qkRopeHeadDim();
        double qk = m.qkNopeHeadDim() + rope;
        double q = heads * qk;
        // down-projections, replicated: hidden → q-lora-rank (when compressed) and hidden → latent + RoPE key
        double qDown = m.qLoraRank();
        ops.add(gemm("mla-down-proj", t, h, qDown + latent + rope, w, a, layers));
        ops.add(new Operator("mla-latent-norm", OpKind.ELEMENTWISE, 5 * t * (qDown + latent),
                2 * t * (qDown + latent) * a, t, layers));
        ops.add(gemm("q-up-proj", t, qDown > 0 ? qDown : h, q, w, a, layers));
        // RoPE on the query's and the key's rope parts, then the latent and RoPE key written into the cache
        ops.add(new Operator("rope-kv-write", OpKind.ELEMENTWISE, 6 * t * (heads * rope + rope),
                2 * t * (heads * rope + rope) * a + t * (latent + rope) * kvb, t, layers));
        if (b.prefillTokens() > 0) {
            // plain form: every KV token a chunk attends to is up-projected to per-head keys and values
            double kvTokens = b.prefillKvTokens();
            double up = heads * (m.qkNopeHeadDim() + m.vHeadDim());
            ops.add(new Operator("kv-up-proj", OpKind.GEMM, 2 * kvTokens * latent * up,
                    latent * up * w + kvTokens * (latent * kvb + up * a), kvTokens, layers));
            double flops = 2 * heads * (qk + m.vHeadDim()) * b.prefillAttentionPairs();
            double bytes = kvTokens * (up + heads * rope) * a + b.prefillTokens() * (q + heads * m.vHeadDim()) * a;
            ops.add(new Operator("prefill-attention", OpKind.ATTENTION, flops, bytes, b.prefillTokens(), layers));
        }
        if (b.decodeSeqs() > 0) {
            // absorbed form: q_nope · W_UK per head (qk-nope → latent), MQA over the latent, then · W_UV per head
            double d = b.decodeSeqs();
            ops.add(new Operator("q-absorb", OpKind.GEMM, 2 * d * heads * m.qkNopeHeadDim() * latent,
                    heads * m.qkNopeHeadDim() * latent * w + d * heads * (m.qkNopeHeadDim() + latent) * a, d, layers));
            double flops = 2 * heads * (latent + rope) * b.decodeKvTokens() + 2 * heads * latent * b.decodeKvTokens();
            double bytes = b.decodeKvTokens() * (latent + rope) * kvb + 2 * d * heads * (latent + rope) * a;
            ops.add(new Operator("decode-attention", OpKind.ATTENTION, flops, bytes, d, layers));
            ops.add(new Operator("v-absorb", OpKind.GEMM, 2 * d * heads * latent * m.vHeadDim(),
                    heads * latent * m.vHeadDim() * w + d * heads * (latent + m.vHeadDim()) * a, d, layers));
        }
        ops.add(gemm("o-proj", t, heads * m.vHeadDim(), h, w, a, layers));
    }

    /** A gated (SwiGLU) or plain MLP of width {@code ffn} per rank over {@code t} rows; names get {@code prefix}. */
    private void mlp(List<Operator> ops, double t, double ffn, String prefix, int repeat) {
        double h = model.hiddenSize();
        double w = weights.bytesPerElement();
        double a = activations.bytesPerElement();
        int mlpIn = model.mlp() == MlpKind.SWIGLU ? 2 : 1;
        ops.add(gemm(prefix + (mlpIn == 2 ? "gate-up-proj" : "fc1"), t, h, mlpIn * ffn, w, a, repeat));
        ops.add(new Operator(prefix + "activation", OpKind.ELEMENTWISE, 4 * t * ffn, (mlpIn + 1) * t * ffn * a, t, repeat));
        ops.add(gemm(prefix + (mlpIn == 2 ? "down-proj" : "fc2"), t, ffn, h, w, a, repeat));
    }

    /**
     * The routed experts one rank runs in one MoE layer, as grouped GEMMs: {@code tokens[i]} rows for its i-th expert
     * slot (an expert whose weights it holds), each slot a gate-up GEMM, its activation and a down GEMM of width
     * expert-intermediate-size / {@code expertTp} (tensor-parallel experts split each expert's width; 1 under expert
     * parallelism). A slot with no tokens is skipped — its weights are not read. One gather/scatter of the rank's
     * token copies into and out of expert order comes first. Repeat counts are 1: the caller sums over layers.
     */
    public List<Operator> routedExperts(double[] tokens, int expertTp) {
        List<Operator> ops = new ArrayList<>(3 * tokens.length + 1);
        double total = 0;
        for (double n : tokens) {
            total += n;
        }
        if (total <= 0) {
            return ops;
        }
        ops.add(expertPermute(total));
        for (double n : tokens) {
            if (n > 0) {
                ops.addAll(expertSlot(n, expertTp));
            }
        }
        return ops;
    }

    /** One expert slot's gate-up GEMM, activation and down GEMM over {@code rows} tokens (see {@link #routedExperts}). */
    public List<Operator> expertSlot(double rows, int expertTp) {
        List<Operator> ops = new ArrayList<>(3);
        mlp(ops, rows, model.moe().expertIntermediateSize() / (double) expertTp, "expert-", 1);
        return ops;
    }

    /** The gather of a rank's {@code tokens} token copies into expert order and the scatter back. */
    public Operator expertPermute(double tokens) {
        return new Operator("expert-permute", OpKind.ELEMENTWISE, 0, 4 * tokens * model.hiddenSize()
                * activations.bytesPerElement(), tokens, 1);
    }

    /** Kernels one rank launches per MoE layer for its routed experts: permute, grouped gate-up, activation, down. */
    public static final int ROUTED_EXPERT_KERNELS = 4;

    /** Names of every operator {@link #operators} can produce (what a measured-cost table may list). */
    public static final java.util.List<String> OPERATOR_NAMES = java.util.List.of("input-norm", "qkv-proj", "rope-kv-write",
            "prefill-attention", "decode-attention", "o-proj", "post-attn-norm", "gate-up-proj", "fc1", "activation",
            "down-proj", "fc2", "residual-add", "embedding", "final-norm", "lm-head", "sampling", "mla-down-proj",
            "mla-latent-norm", "q-up-proj", "kv-up-proj", "q-absorb", "v-absorb", "router", "shared-gate-up-proj",
            "shared-activation", "shared-down-proj", "moe-combine", "expert-permute", "expert-gate-up-proj",
            "expert-activation", "expert-down-proj");

    /** Tensor-parallel all-reduces per iteration: two per layer (after O and after the MLP). */
    public int allReducesPerPass() {
        return tp > 1 ? 2 * model.layers() : 0;
    }

    /** Tensor-parallel all-reduces of one pipeline stage of {@code pp} per iteration: two per layer of the stage. */
    public int allReducesPerStage(int pp) {
        return tp > 1 ? 2 * (model.layers() / pp) : 0;
    }

    /**
     * Bytes crossing one pipeline-stage boundary per iteration, over all tensor-parallel ranks together: the hidden
     * state and the residual of every new token (vLLM's IntermediateTensors for pre-norm models), in the activation
     * precision.
     */
    public double stageBoundaryBytes(BatchShape b) {
        return 2.0 * b.tokens() * model.hiddenSize() * activations.bytesPerElement();
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
