package io.xpusim.model;

import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers one micro-batch of training through one transformer layer (and the embedding and loss ends of
 * the model) to the operators one tensor-parallel rank runs, forward, backward and recomputed, with
 * FLOPs (a multiply-add is 2) and device-memory bytes. Megatron-LM layout: QKV and fc1 column-parallel,
 * attention-output and fc2 row-parallel, vocabulary-parallel embedding and LM head; with sequence
 * parallelism, norms and dropouts see 1/tp of the tokens; with context parallelism each rank holds
 * sequence/cp tokens and attends to the whole causal sequence (load-balanced, so 1/cp of the pairs).
 *
 * <p>Backward of a GEMM is two GEMMs (input gradient and weight gradient) of the forward's FLOPs each.
 * Attention follows {@link AttentionKernel}: unfused computes the full s×s score matrix as batched GEMMs
 * (Megatron-LM 2021 counts those FLOPs, masking after) and materialises softmax and dropout; fused is
 * FlashAttention with causal skipping, whose backward does 2.5× the forward's FLOPs (Dao 2023, §3.1).
 *
 * @param tokens    tokens of one micro-batch on one rank: micro-batch × sequence / cp
 * @param sequence  full sequence length (attention span)
 */
public record TrainingPass(ModelSpec model, int tp, int cp, boolean sequenceParallel, int microBatch, int sequence,
                           Precision precision, AttentionKernel attention, int ep) {

    public TrainingPass {
        if (model.mla() != null) {
            throw new UnsupportedOperationException("model " + model.name()
                    + " uses latent attention, which training does not execute yet");
        }
        if (ep < 1 || (ep > 1 && !model.isMoe())) {
            throw new IllegalArgumentException("expert parallelism needs a mixture-of-experts model and ep >= 1");
        }
    }

    /** Without expert parallelism (a dense model, or tensor-parallel experts). */
    public TrainingPass(ModelSpec model, int tp, int cp, boolean sequenceParallel, int microBatch, int sequence,
                        Precision precision, AttentionKernel attention) {
        this(model, tp, cp, sequenceParallel, microBatch, sequence, precision, attention, 1);
    }

    private double tokens() {
        return (double) microBatch * sequence / cp;
    }

    /** Tokens the element-wise ops (norms, dropouts, residuals) see: all, or 1/tp with sequence parallelism. */
    private double elementwiseTokens() {
        return sequenceParallel ? tokens() / tp : tokens();
    }

    /** One layer's forward on one rank. */
    public List<Operator> forwardLayer() {
        List<Operator> ops = new ArrayList<>(12);
        double a = precision.bytesPerElement();
        double h = model.hiddenSize();
        double t = tokens();
        double te = elementwiseTokens();
        double q = model.queryWidth() / (double) tp;
        double kv = (double) model.kvHeadsPerRank(tp) * model.headDim();
        double ffn = model.intermediateSize() / (double) tp;
        int mlpIn = model.mlp() == MlpKind.SWIGLU ? 2 : 1;
        ops.add(new Operator("input-norm", OpKind.ELEMENTWISE, 5 * te * h, 2 * te * h * a, te, 1));
        ops.add(gemm("qkv-proj", t, h, q + 2 * kv));
        ops.addAll(attentionCoreForward());
        ops.add(gemm("o-proj", t, q, h));
        ops.add(new Operator("bias-dropout-add", OpKind.ELEMENTWISE, 3 * te * h, (3 * a + 1) * te * h, te, 1));
        ops.add(new Operator("post-attn-norm", OpKind.ELEMENTWISE, 5 * te * h, 2 * te * h * a, te, 1));
        if (model.isMoe()) {
            ops.addAll(moeMlpForward());
        } else {
            ops.add(gemm(mlpIn == 2 ? "gate-up-proj" : "fc1", t, h, mlpIn * ffn));
            ops.add(new Operator("activation", OpKind.ELEMENTWISE, 8 * t * ffn, (mlpIn + 1) * t * ffn * a, t, 1));
            ops.add(gemm(mlpIn == 2 ? "down-proj" : "fc2", t, ffn, h));
        }
        ops.add(new Operator("bias-dropout-add", OpKind.ELEMENTWISE, 3 * te * h, (3 * a + 1) * te * h, te, 1));
        return ops;
    }

    /**
     * A MoE layer's MLP on one rank (Megatron-Core's alltoall dispatcher with grouped GEMMs): the router (h × experts,
     * replicated), the permutation of the rank's token copies into expert order and back, and its local experts —
     * experts/ep of them, each over the tokens the whole expert-parallel group routed to it. Routing is balanced (the
     * auxiliary load-balancing loss's aim): each expert gets ep·tokens·top-k / experts rows. With ep = 1 every rank holds
     * a 1/tp slice of every expert (tensor-parallel experts, reduced by the layer's all-reduce like a dense MLP).
     * Shared experts run like a dense MLP of their width. The dispatch and combine all-to-alls are not operators
     * here: {@link #expertParallelBytesPerPeer}.
     */
    private List<Operator> moeMlpForward() {
        List<Operator> ops = new ArrayList<>(8);
        double a = precision.bytesPerElement();
        double h = model.hiddenSize();
        double t = tokens();
        MoeSpec moe = model.moe();
        int slots = moe.experts() / ep;
        int expertTp = ep > 1 ? 1 : tp;
        double rows = ep * t * moe.topK() / moe.experts();
        double width = moe.expertIntermediateSize() / (double) expertTp;
        ops.add(new Operator("router", OpKind.GEMM, 2 * t * h * moe.experts(), h * moe.experts() * a
                + t * (h + moe.experts()) * a, t, 1));
        ops.add(new Operator("expert-permute", OpKind.ELEMENTWISE, 0, 4 * t * moe.topK() * h * a, t, 1));
        ops.add(repeated(gemm("expert-gate-up-proj", rows, h, 2 * width), slots));
        ops.add(repeated(new Operator("expert-activation", OpKind.ELEMENTWISE, 8 * rows * width, 3 * rows * width * a,
                rows, 1), slots));
        ops.add(repeated(gemm("expert-down-proj", rows, width, h), slots));
        if (moe.sharedExperts() > 0) {
            double shared = moe.sharedExperts() * moe.expertIntermediateSize() / (double) tp;
            ops.add(gemm("shared-gate-up-proj", t, h, 2 * shared));
            ops.add(new Operator("shared-activation", OpKind.ELEMENTWISE, 8 * t * shared, 3 * t * shared * a, t, 1));
            ops.add(gemm("shared-down-proj", t, shared, h));
        }
        return ops;
    }

    private static Operator repeated(Operator op, int times) {
        return new Operator(op.name(), op.kind(), op.flops(), op.bytes(), op.rows(), times);
    }

    /**
     * Bytes one rank sends each other rank of its expert-parallel group in one all-to-all of one MoE layer (the
     * dispatch; the combine returns as many): its tokens' top-k copies spread evenly over the ep ranks, 1/ep each —
     * tokens · top-k / ep · hidden · bytes. 0 without expert parallelism.
     */
    public double expertParallelBytesPerPeer() {
        return ep == 1 ? 0 : tokens() * model.moe().topK() / ep * model.hiddenSize() * precision.bytesPerElement();
    }

    /** All-to-alls per MoE layer and pass: dispatch and combine forward; their gradients backward. */
    public static final int ALL_TO_ALLS_PER_MOE_LAYER = 2;

    /** The attention core forward (what selective recomputation reruns). */
    public List<Operator> attentionCoreForward() {
        double a = precision.bytesPerElement();
        double t = tokens();
        double heads = model.heads() / (double) tp;
        double d = model.headDim();
        double q = heads * d;
        double kv = (double) model.kvHeadsPerRank(tp) * d;
        if (attention == AttentionKernel.FUSED) {
            double flops = 4 * heads * d * causalPairs();
            double bytes = t * (2 * q + 2 * kv) * a;
            return List.of(new Operator("flash-attention", OpKind.ATTENTION, flops, bytes, t, 1));
        }
        double scores = heads * microBatch * (double) sequence * sequence / cp; // this rank's rows of b·heads s×s matrices
        return List.of(
                new Operator("attention-scores", OpKind.GEMM, 2 * scores * d, t * (q + kv) * a + scores * a, (double) sequence / cp, 1),
                new Operator("scale-mask-softmax", OpKind.ELEMENTWISE, 5 * scores, 2 * scores * a, t, 1),
                new Operator("attention-dropout", OpKind.ELEMENTWISE, 2 * scores, (2 * a + 1) * scores, t, 1),
                new Operator("attention-values", OpKind.GEMM, 2 * scores * d, scores * a + t * (kv + q) * a, (double) sequence / cp, 1));
    }

    /** One layer's backward on one rank: input and weight gradients of every forward op. */
    public List<Operator> backwardLayer() {
        List<Operator> ops = new ArrayList<>(16);
        for (Operator f : forwardLayer()) {
            switch (f.kind()) {
                // dgrad and wgrad: each the forward's FLOPs; reads what the forward read, writes gradients of
                // the input and of the weights
                case GEMM -> ops.add(new Operator(f.name() + "-bwd", OpKind.GEMM, 2 * f.flops(), 2 * f.bytes(), f.rows(),
                        f.repeat()));
                // FlashAttention-2 backward: 2.5× the forward FLOPs, reads Q, K, V, O, dO, writes dQ, dK, dV
                case ATTENTION -> ops.add(new Operator(f.name() + "-bwd", OpKind.ATTENTION, 2.5 * f.flops(), 2 * f.bytes(),
                        f.rows(), 1));
                // element-wise backward reads the saved input and the output gradient, writes the input gradient
                case ELEMENTWISE -> ops.add(new Operator(f.name() + "-bwd", OpKind.ELEMENTWISE, 2 * f.flops(),
                        1.5 * f.bytes(), f.rows(), f.repeat()));
            }
        }
        return ops;
    }

    /** What the backward pass reruns first, per layer. */
    public List<Operator> recomputeLayer(Recompute r) {
        return switch (r) {
            case NONE -> List.of();
            case FULL -> forwardLayer();
            // FlashAttention already recomputes the scores inside its backward kernel: nothing extra to rerun
            case SELECTIVE -> attention == AttentionKernel.FUSED ? List.of() : attentionCoreForward();
        };
    }

    /** Tensor-parallel collectives per layer per pass (forward or backward): two all-reduces, or with sequence
     * parallelism two all-gather + reduce-scatter pairs, which move the same bytes in the same ring steps. */
    public int tpCollectivesPerLayer() {
        return tp > 1 ? 2 : 0;
    }

    /** Bytes of each tensor-parallel all-reduce: the hidden state of the micro-batch. */
    public double tpCollectiveBytes() {
        return tokens() * model.hiddenSize() * precision.bytesPerElement();
    }

    /** Bytes of the activation a stage sends to the next (and of the gradient sent back). */
    public double boundaryBytes() {
        return tpCollectiveBytes();
    }

    /** Token (and learned position) embedding forward on the first stage. */
    public List<Operator> embeddingForward() {
        double a = precision.bytesPerElement();
        double t = tokens();
        double h = model.hiddenSize();
        return List.of(new Operator("embedding", OpKind.ELEMENTWISE, t * h, 3 * t * h * a, t, 1));
    }

    public List<Operator> embeddingBackward() {
        double a = precision.bytesPerElement();
        double t = tokens();
        double h = model.hiddenSize();
        return List.of(new Operator("embedding-bwd", OpKind.ELEMENTWISE, t * h, 3 * t * h * a, t, 1));
    }

    /** Final norm, vocabulary-parallel LM head and cross-entropy (fp32 logits) on the last stage. */
    public List<Operator> headForward() {
        double a = precision.bytesPerElement();
        double t = tokens();
        double te = elementwiseTokens();
        double h = model.hiddenSize();
        double v = model.vocabSize() / (double) tp;
        return List.of(new Operator("final-norm", OpKind.ELEMENTWISE, 5 * te * h, 2 * te * h * a, te, 1),
                gemm("lm-head", t, h, v),
                new Operator("cross-entropy", OpKind.ELEMENTWISE, 6 * t * v, t * v * (a + 2 * 4), t, 1));
    }

    public List<Operator> headBackward() {
        double a = precision.bytesPerElement();
        double t = tokens();
        double te = elementwiseTokens();
        double h = model.hiddenSize();
        double v = model.vocabSize() / (double) tp;
        Operator head = gemm("lm-head", t, h, v);
        return List.of(new Operator("cross-entropy-bwd", OpKind.ELEMENTWISE, 2 * t * v, t * v * (4 + a), t, 1),
                new Operator("lm-head-bwd", OpKind.GEMM, 2 * head.flops(), 2 * head.bytes(), t, 1),
                new Operator("final-norm-bwd", OpKind.ELEMENTWISE, 10 * te * h, 3 * te * h * a, te, 1));
    }

    /** Query–key pairs one rank's attention evaluates under a causal mask: b · s(s+1)/2 / cp. */
    private double causalPairs() {
        return microBatch * ((double) sequence * (sequence + 1) / 2.0) / cp;
    }

    private Operator gemm(String name, double rows, double in, double out) {
        double a = precision.bytesPerElement();
        return new Operator(name, OpKind.GEMM, 2 * rows * in * out, in * out * a + rows * (in + out) * a, rows, 1);
    }
}
