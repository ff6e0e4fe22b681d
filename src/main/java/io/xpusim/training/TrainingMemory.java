package io.xpusim.training;

import io.xpusim.model.Recompute;
import io.xpusim.model.AttentionKernel;
import io.xpusim.metrics.StageMemory;
import io.xpusim.model.ModelSpec;
import io.xpusim.units.DataSize;
import java.util.Locale;

/**
 * Peak memory of one device of a training pipeline stage: 16-bit weights and gradients and fp32 Adam states,
 * sharded by ZeRO (Rajbhandari et al. 2020), plus the activations the stage holds for its in-flight micro-batches
 * (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", arXiv 2205.05198).
 * All sizes are bytes on one device; every formula is written once, here.
 */
public final class TrainingMemory {

    // ZeRO §3.1 (mixed-precision Adam): 2Ψ fp16 weights + 2Ψ fp16 gradients + KΨ optimizer states, K = 12
    // (fp32 master weights, momentum and variance, 4 bytes each).
    private static final double WEIGHT_BYTES_PER_PARAMETER = 2;
    private static final double GRADIENT_BYTES_PER_PARAMETER = 2;
    private static final double OPTIMIZER_BYTES_PER_PARAMETER = 12;

    // Korthikanti 2022 §4.1: activations are 16-bit, dropout masks one byte per element.
    private static final double ACTIVATION_BYTES_PER_ELEMENT = 2;
    private static final double MASK_BYTES_PER_ELEMENT = 1;
    // Korthikanti 2022 §4.3: the cross-entropy loss keeps the logits in fp32.
    private static final double LOGIT_BYTES_PER_ELEMENT = 4;

    private TrainingMemory() {
    }

    /**
     * Which part of the model a pipeline stage holds.
     *
     * @param layers          transformer layers on the stage, over all its chunks (what its parameters cover)
     * @param layersPerChunk  layers in one model chunk (layers / virtual stages): what one in-flight
     *                        (micro-batch, chunk) pair holds activations for
     * @param holdsEmbedding  the stage runs the token embedding (the first stage)
     * @param holdsHead       the stage runs the final norm, LM head and loss (the last stage)
     */
    public record StageShare(int layers, int layersPerChunk, boolean holdsEmbedding, boolean holdsHead) {

        public StageShare {
            if (layers < 1 || layersPerChunk < 1 || layers % layersPerChunk != 0) {
                throw new IllegalArgumentException("a stage needs at least one layer, split into whole chunks; got "
                        + layers + " layers in chunks of " + layersPerChunk);
            }
        }

        /**
         * The share of {@code stage} when the model's layers divide evenly over pp·v chunks, as Megatron-LM
         * requires by default; the first stage holds the embedding, the last the head.
         */
        public static StageShare even(ModelSpec model, ParallelPlan plan, int stage) {
            int chunks = plan.pp() * plan.virtualStages();
            if (model.layers() % chunks != 0) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s has %d layers, which do not split evenly over pp %d × virtual stages %d = %d chunks",
                        model.name(), model.layers(), plan.pp(), plan.virtualStages(), chunks));
            }
            if (stage < 0 || stage >= plan.pp()) {
                throw new IllegalArgumentException("stage " + stage + " is outside 0.." + (plan.pp() - 1));
            }
            int perChunk = model.layers() / chunks;
            return new StageShare(perChunk * plan.virtualStages(), perChunk, stage == 0, stage == plan.pp() - 1);
        }
    }

    /** Bytes of the fp32 optimizer states (master weights, momentum, variance) of {@code parameters}. */
    public static double optimizerStateBytes(double parameters) {
        return OPTIMIZER_BYTES_PER_PARAMETER * parameters;
    }

    /** The model states one device holds: 16-bit weights, 16-bit gradients and fp32 Adam states. */
    public record ModelStateBytes(double weightsBytes, double gradientsBytes, double optimizerBytes) {
    }

    /**
     * Peak memory of one device of pipeline stage {@code stage}.
     *
     * @param microBatch      sequences per micro-batch b
     * @param sequenceLength  tokens per sequence, before the context-parallel split
     * @param zeroStage       0 (plain data parallelism) to 3
     * @param inFlightChunks  (micro-batch, chunk) activations the stage holds at its peak, from
     *                        {@link PipelineSchedule#peakInFlight}
     * @param deviceName      device profile name, for messages
     * @param capacityBytes   the device's memory
     */
    public static StageMemory stage(ModelSpec model, ParallelPlan plan, int stage, StageShare share, int microBatch,
                                    int sequenceLength, Recompute recompute, AttentionKernel attention, int zeroStage,
                                    OffloadTarget optimizerOffload, int inFlightChunks, String deviceName,
                                    double capacityBytes) {
        return stage(model, plan, stage, share, microBatch, sequenceLength, recompute, attention, zeroStage,
                optimizerOffload, inFlightChunks, deviceName, capacityBytes, GRADIENT_BYTES_PER_PARAMETER);
    }

    /** As above, with gradients accumulated in a precision of {@code gradientBytesPerParameter} bytes. */
    public static StageMemory stage(ModelSpec model, ParallelPlan plan, int stage, StageShare share, int microBatch,
                                    int sequenceLength, Recompute recompute, AttentionKernel attention, int zeroStage,
                                    OffloadTarget optimizerOffload, int inFlightChunks, String deviceName,
                                    double capacityBytes, double gradientBytesPerParameter) {
        double experts = expertParametersOnStage(model, plan, share);
        ModelStateBytes dense = modelStates(parametersOnStage(model, plan, share) - experts, zeroStage,
                zeroShardingRanks(plan), optimizerOffload, gradientBytesPerParameter);
        // the routed experts are replicated only over the expert-data-parallel ranks, which shard them (ZeRO-1)
        ModelStateBytes expert = modelStates(experts, zeroStage, expertShardingRanks(plan), optimizerOffload,
                gradientBytesPerParameter);
        ModelStateBytes states = new ModelStateBytes(dense.weightsBytes() + expert.weightsBytes(),
                dense.gradientsBytes() + expert.gradientsBytes(), dense.optimizerBytes() + expert.optimizerBytes());
        double activations = stageActivationBytes(model, plan, share, microBatch, sequenceLength, recompute,
                attention, inFlightChunks);
        return new StageMemory(stage, deviceName, states.weightsBytes(), states.gradientsBytes(),
                states.optimizerBytes(), activations, capacityBytes);
    }

    /**
     * Parameters held by one tensor-parallel rank of a stage, before any ZeRO sharding. Attention and MLP are split
     * tp ways (K/V by whole KV heads, see {@link ModelSpec#attentionParametersPerRank}); norms are replicated. The
     * first stage adds the vocabulary-parallel token embedding (V·h/tp) and the learned positions (replicated, as
     * Megatron-LM's position embedding is not split); the last stage adds the final norm and the LM head (V·h/tp).
     * With tied embeddings and pp > 1 the last stage keeps its own copy of the embedding as the head (Megatron-LM
     * all-reduces the two copies' gradients); with pp = 1 the one stage holds it once.
     */
    public static double parametersOnStage(ModelSpec model, ParallelPlan plan, StageShare share) {
        requireSupported(model);
        int tp = plan.tp();
        // a MoE layer (every layer of a MoE model trained here): the router (replicated), shared experts split tp
        // ways like a dense MLP, and this rank's routed experts (expertParametersOnStage)
        double mlp = model.isMoe() ? model.routerParameters() + model.moe().sharedExperts() * model.expertParameters() / tp
                : model.mlpParameters() / tp;
        double perLayer = model.attentionParametersPerRank(tp) + mlp + model.layerNormParameters();
        double parameters = share.layers() * perLayer + expertParametersOnStage(model, plan, share);
        if (share.holdsEmbedding()) {
            parameters += model.embeddingParameters() / tp + model.positionParameters();
        }
        if (share.holdsHead()) {
            parameters += model.finalNormParameters();
            boolean headIsTheEmbeddingHere = model.tiedEmbeddings() && share.holdsEmbedding();
            if (!headIsTheEmbeddingHere) {
                parameters += model.embeddingParameters() / tp;
            }
        }
        return parameters;
    }

    /**
     * Routed-expert parameters one rank of a stage holds: experts/ep whole experts per layer under expert
     * parallelism (tp = 1), or a 1/tp slice of every expert without it. 0 for a dense model.
     */
    public static double expertParametersOnStage(ModelSpec model, ParallelPlan plan, StageShare share) {
        if (!model.isMoe()) {
            return 0;
        }
        double perRank = plan.ep() > 1 ? (double) model.moe().experts() / plan.ep() : model.moe().experts() / (double) plan.tp();
        return share.layers() * perRank * model.expertParameters();
    }

    /**
     * Ranks holding replicas of the same routed experts, over which their gradients are reduced and ZeRO shards their
     * states: the expert-data-parallel group, dp·cp / ep (Megatron-Core with expert tensor parallelism = tp: EP groups
     * are ep consecutive data-parallel ranks, and expert-data-parallel rank j is every ep-th of them).
     */
    public static int expertShardingRanks(ParallelPlan plan) {
        return zeroShardingRanks(plan) / plan.ep();
    }

    /**
     * Ranks that hold replicas of the same parameters and so share ZeRO's partitions: dp·cp, since
     * context-parallel ranks hold the whole stage's weights and all-reduce gradients with the data-parallel ones.
     */
    public static int zeroShardingRanks(ParallelPlan plan) {
        return plan.dp() * plan.cp();
    }

    /**
     * Weights, gradients and optimizer states of {@code parameters} on one device (ZeRO, Rajbhandari et al. 2020,
     * §5 and Figure 1): stage 1 partitions the optimizer states over the {@code shardingRanks} replicas, stage 2
     * also the gradients, stage 3 also the weights. An optimizer offloaded to CPU or NVMe (ZeRO-Offload,
     * ZeRO-Infinity) leaves no optimizer states on the device, and with ZeRO-2/3 no gradient partition either:
     * ZeRO-Offload (Ren et al. 2021, §4.1) moves each gradient bucket to host memory as the backward pass
     * produces it, so only the in-flight buckets stay (not counted here).
     */
    public static ModelStateBytes modelStates(double parameters, int zeroStage, int shardingRanks,
                                              OffloadTarget optimizerOffload) {
        return modelStates(parameters, zeroStage, shardingRanks, optimizerOffload, GRADIENT_BYTES_PER_PARAMETER);
    }

    /** As above, with gradients of {@code gradientBytesPerParameter} bytes (4 when accumulated in fp32). */
    public static ModelStateBytes modelStates(double parameters, int zeroStage, int shardingRanks,
                                              OffloadTarget optimizerOffload, double gradientBytesPerParameter) {
        if (zeroStage < 0 || zeroStage > 3) {
            throw new IllegalArgumentException("zero stage must be 0, 1, 2 or 3; got " + zeroStage);
        }
        if (shardingRanks < 1) {
            throw new IllegalArgumentException("ZeRO shards over at least one rank; got " + shardingRanks);
        }
        double weights = WEIGHT_BYTES_PER_PARAMETER * parameters / (zeroStage >= 3 ? shardingRanks : 1);
        // with ZeRO-2/3 an offloaded gradient partition streams to the host as it is produced; with ZeRO-0/1 the
        // gradients accumulate on the device over the micro-batches first
        double gradients = optimizerOffload != OffloadTarget.NONE && zeroStage >= 2 ? 0
                : gradientBytesPerParameter * parameters / (zeroStage >= 2 ? shardingRanks : 1);
        double optimizer = optimizerOffload != OffloadTarget.NONE ? 0
                : OPTIMIZER_BYTES_PER_PARAMETER * parameters / (zeroStage >= 1 ? shardingRanks : 1);
        return new ModelStateBytes(weights, gradients, optimizer);
    }

    /**
     * Activation bytes one transformer layer stores for one micro-batch on one device (Korthikanti 2022 §4.1–4.2),
     * with s = sequenceLength/cp, b = micro-batch, h hidden, t = tp. The paper itemises a GPT layer as
     * attention 11sbh + 5as²b, MLP 19sbh and two LayerNorms 4sbh; each item is derived here from the model's own
     * widths, so GQA (K and V of kv-width), SwiGLU and any intermediate size are covered:
     * <ul>
     * <li>outside the tensor-parallel region (replicated over the TP group, split t ways with sequence
     *     parallelism): the two norm inputs 2·2sbh, the QKV input 2sbh, the MLP input 2sbh and the two dropout
     *     masks after attention and MLP, sbh each — 10sbh;</li>
     * <li>inside it (split t ways): Q and K for QKᵀ, 2sb·q/t + 2sb·kv<sub>rank</sub>; V for the product with the
     *     scores, 2sb·kv<sub>rank</sub>; the output-projection input 2sb·q/t; the MLP hidden tensors of width f:
     *     GELU stores its input and output, 2·2sbf/t; SwiGLU stores the gate and up outputs (Megatron-LM's fused
     *     SwiGLU recomputes the SiLU in backward) and their product, 3·2sbf/t;</li>
     * <li>the unfused attention core: softmax output 2, dropout mask 1 and dropout output 2 bytes per score,
     *     5·(a/t)·s·s<sub>keys</sub>·b, where s<sub>keys</sub> = sequenceLength since context-parallel queries
     *     attend to every key.</li>
     * </ul>
     * For a GPT-style layer (q = kv = h, GELU, f = 4h, cp = 1) this is exactly the paper's sbh(10 + 24/t +
     * 5as/(ht)), or sbh(34/t + 5as/(ht)) with sequence parallelism. Norm statistics (per token, h times smaller)
     * are neglected as in the paper, so LayerNorm and RMSNorm store the same; dropout masks are counted as in the
     * paper's Megatron-LM GPT recipe even though models without dropout skip them.
     * <p>Selective recompute drops the attention core, which the backward recomputes (§5). The fused kernel
     * (FlashAttention) never writes the scores to memory, keeps only its output and per-row softmax statistics, and
     * recomputes the scores in its own backward, so it drops the same term in every mode — and selective stores
     * what none does. Full recompute keeps only the layer input 2sbh (2sbh/t with sequence parallelism).
     */
    public static double activationBytesPerLayer(ModelSpec model, ParallelPlan plan, int microBatch,
                                                 int sequenceLength, Recompute recompute, AttentionKernel attention) {
        requireSupported(model);
        double t = plan.tp();
        double tokens = tokensPerRank(microBatch, sequenceLength, plan); // s·b
        double h = model.hiddenSize();
        double outsideTpDivisor = outsideTensorParallelDivisor(plan);
        if (recompute == Recompute.FULL) {
            return ACTIVATION_BYTES_PER_ELEMENT * tokens * h / outsideTpDivisor;
        }
        double normInputs = 2 * ACTIVATION_BYTES_PER_ELEMENT * tokens * h;
        double qkvAndMlpInputs = 2 * ACTIVATION_BYTES_PER_ELEMENT * tokens * h;
        double dropoutMasks = 2 * MASK_BYTES_PER_ELEMENT * tokens * h;
        double outsideTp = normInputs + qkvAndMlpInputs + dropoutMasks;
        double q = model.queryWidth() / t;
        double kv = model.kvHeadsPerRank(plan.tp()) * (double) model.headDim();
        double mlpHiddenTensors = switch (model.mlp()) {
            case GELU -> 2;
            case SWIGLU -> 3;
        };
        double mlp = model.isMoe() ? moeMlpElementsPerToken(model, plan)
                : mlpHiddenTensors * model.intermediateSize() / t;
        double insideTp = ACTIVATION_BYTES_PER_ELEMENT * tokens * (q + kv + kv + q + mlp);
        boolean scoresStored = attention == AttentionKernel.UNFUSED && recompute == Recompute.NONE;
        double scores = scoresStored ? (2 * ACTIVATION_BYTES_PER_ELEMENT + MASK_BYTES_PER_ELEMENT)
                * (model.heads() / t) * tokens * sequenceLength : 0;
        return outsideTp / outsideTpDivisor + insideTp + scores;
    }

    /**
     * 16-bit elements per token a MoE layer's MLP stores for its backward on one rank: the top-k token copies after
     * dispatch (the experts' input) and the experts' outputs before combine, k·h each; the experts' gate and up outputs
     * and their SwiGLU product, 3·k·f_expert (per copy, balanced routing; f/tp with tensor-parallel experts); the shared
     * experts' three tensors, 3·f_shared/tp. Router logits (experts per token) are negligible and not counted.
     */
    private static double moeMlpElementsPerToken(ModelSpec model, ParallelPlan plan) {
        var moe = model.moe();
        double expertTp = plan.ep() > 1 ? 1 : plan.tp();
        return 2.0 * moe.topK() * model.hiddenSize()
                + 3.0 * moe.topK() * moe.expertIntermediateSize() / expertTp
                + 3.0 * moe.sharedExperts() * moe.expertIntermediateSize() / plan.tp();
    }

    /**
     * Activation bytes a stage's device holds at its peak: per-layer activations × layers per chunk × in-flight
     * (micro-batch, chunk) pairs (Korthikanti 2022 §4.2.3, where 1F1B's first stage holds p micro-batches). Added
     * to that:
     * <ul>
     * <li>with full recompute, one layer's activations as stored without recompute: the working set rebuilt
     *     for that layer's backward;</li>
     * <li>on the first stage, the embedding's dropout mask, sbh bytes (sbh/t with sequence parallelism), as §4.3
     *     counts (the embedding's backward needs only token ids; its output is the first layer's stored input);</li>
     * <li>on the last stage (§4.3), the final norm's input and the LM head's input, 2sbh each (/t with sequence
     *     parallelism), and the fp32 logits kept by the vocabulary-parallel cross entropy, 4sbV/t.</li>
     * </ul>
     * The embedding and head terms are charged per micro-batch held by one chunk, taken as
     * ⌈inFlightChunks / v⌉: exact without interleaving (p on 1F1B's first stage, 1 on its last, m under GPipe),
     * an average with it.
     */
    public static double stageActivationBytes(ModelSpec model, ParallelPlan plan, StageShare share, int microBatch,
                                              int sequenceLength, Recompute recompute, AttentionKernel attention,
                                              int inFlightChunks) {
        if (inFlightChunks < 1) {
            throw new IllegalArgumentException("a stage holds at least one micro-batch; got " + inFlightChunks);
        }
        double layers = activationBytesPerLayer(model, plan, microBatch, sequenceLength, recompute, attention)
                * share.layersPerChunk() * inFlightChunks;
        double recomputeWorkingSet = recompute == Recompute.FULL
                ? activationBytesPerLayer(model, plan, microBatch, sequenceLength, Recompute.NONE, attention) : 0;
        double tokens = tokensPerRank(microBatch, sequenceLength, plan);
        double outsideTpDivisor = outsideTensorParallelDivisor(plan);
        double microBatchesPerChunk = Math.ceil(inFlightChunks / (double) plan.virtualStages());
        double embedding = share.holdsEmbedding()
                ? MASK_BYTES_PER_ELEMENT * tokens * model.hiddenSize() / outsideTpDivisor : 0;
        double head = share.holdsHead()
                ? 2 * ACTIVATION_BYTES_PER_ELEMENT * tokens * model.hiddenSize() / outsideTpDivisor
                + LOGIT_BYTES_PER_ELEMENT * tokens * model.vocabSize() / plan.tp() : 0;
        return layers + recomputeWorkingSet + (embedding + head) * microBatchesPerChunk;
    }

    /**
     * What to tell a user whose stage does not fit, e.g. "stage 3 on a100-80gb-sxm needs 93.1 GiB of 80.0 GiB;
     * largest: activations 61.0 GiB".
     */
    public static String overflowMessage(StageMemory m) {
        String largest = "weights";
        double largestBytes = m.weightsBytes();
        if (m.gradientsBytes() > largestBytes) {
            largest = "gradients";
            largestBytes = m.gradientsBytes();
        }
        if (m.optimizerBytes() > largestBytes) {
            largest = "optimizer states";
            largestBytes = m.optimizerBytes();
        }
        if (m.activationsBytes() > largestBytes) {
            largest = "activations";
            largestBytes = m.activationsBytes();
        }
        return String.format(Locale.ROOT, "stage %d on %s needs %.1f GiB of %.1f GiB; largest: %s %.1f GiB",
                m.stage(), m.device(), new DataSize(m.totalBytes()).gib(), new DataSize(m.capacityBytes()).gib(),
                largest, new DataSize(largestBytes).gib());
    }

    /** Tokens of one micro-batch on a context-parallel rank: s·b with s = sequenceLength / cp. */
    private static double tokensPerRank(int microBatch, int sequenceLength, ParallelPlan plan) {
        if (microBatch < 1) {
            throw new IllegalArgumentException("micro-batch must be at least 1 sequence; got " + microBatch);
        }
        if (sequenceLength < 1 || sequenceLength % plan.cp() != 0) {
            throw new IllegalArgumentException("sequence length " + sequenceLength
                    + " must be a positive multiple of the context-parallel degree cp " + plan.cp());
        }
        return (double) sequenceLength / plan.cp() * microBatch;
    }

    /**
     * What splits the activations outside the tensor-parallel regions (norms, dropout, layer inputs): sequence
     * parallelism shards them over the TP group (Korthikanti 2022 §4.2.2); without it each TP rank holds them all.
     */
    private static double outsideTensorParallelDivisor(ParallelPlan plan) {
        return plan.sequenceParallel() ? plan.tp() : 1;
    }

    private static void requireSupported(ModelSpec model) {
        if (model.mla() != null || model.isMoe() && model.moe().denseLayers() > 0) {
            throw new UnsupportedOperationException("training memory of " + model.name()
                    + " (latent attention, or dense layers among MoE layers) is not modelled");
        }
    }
}
