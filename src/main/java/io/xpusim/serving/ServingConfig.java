package io.xpusim.serving;

import io.xpusim.units.Precision;

/**
 * How one model is served: tensor- and pipeline-parallel degree, scheduler, runtime overheads, memory budget and
 * precisions.
 *
 * @param gpuMemoryUtilization fraction of device memory the engine may use (weights + KV + activations)
 * @param maxModelLen          longest prompt + output a request may have (tokens)
 * @param measuredCosts        measured operator times (operator → {rows, seconds} points) replacing the
 *                             roofline for the operators they cover; empty for pure roofline
 * @param speculation          speculative decoding with a draft model, or null when off
 * @param moe                  how a mixture-of-experts model's experts run (attention-DP, EP, routing), null for a
 *                             dense model
 * @param offload              what lives in host memory instead of device memory ({@link OffloadConfig#NONE} when
 *                             nothing; null is read as NONE)
 * @param kvOffload            preemption by swap to these KV offload tiers, or null for preemption by recompute
 * @param pp                   pipeline stages of a replica (each of tp devices, contiguous layers)
 */
public record ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                            Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                            java.util.Map<String, double[][]> measuredCosts, Speculation speculation, MoeServing moe,
                            OffloadConfig offload, KvOffload kvOffload, int pp) {
    public ServingConfig {
        offload = offload == null ? OffloadConfig.NONE : offload;
        if (tp < 1 || pp < 1) {
            throw new IllegalArgumentException("tp and pp must be ≥ 1, not " + tp + " and " + pp);
        }
    }

    public ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                         Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                         java.util.Map<String, double[][]> measuredCosts, Speculation speculation, MoeServing moe,
                         OffloadConfig offload, KvOffload kvOffload) {
        this(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen, measuredCosts,
                speculation, moe, offload, kvOffload, 1);
    }

    public ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                         Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                         java.util.Map<String, double[][]> measuredCosts, Speculation speculation) {
        this(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen, measuredCosts,
                speculation, null, OffloadConfig.NONE, null, 1);
    }

    public ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                         Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                         java.util.Map<String, double[][]> measuredCosts) {
        this(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen, measuredCosts, null);
    }

    /** This config with speculative decoding (null: off). */
    public ServingConfig withSpeculation(Speculation s) {
        return new ServingConfig(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen,
                measuredCosts, s, moe, offload, kvOffload, pp);
    }

    /** This config with mixture-of-experts serving settings (null for a dense model). */
    public ServingConfig withMoe(MoeServing m) {
        return new ServingConfig(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen,
                measuredCosts, speculation, m, offload, kvOffload, pp);
    }

    /** This config with {@code o} offloaded. */
    public ServingConfig withOffload(OffloadConfig o) {
        return new ServingConfig(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen,
                measuredCosts, speculation, moe, o, kvOffload, pp);
    }

    /** This config at another tensor-parallel degree (a replica group's or a disaggregated pool's). */
    public ServingConfig withTp(int newTp) {
        return withParallelism(newTp, pp);
    }

    /** This config at another tensor- and pipeline-parallel degree (one replica group or pool). */
    public ServingConfig withParallelism(int newTp, int newPp) {
        return new ServingConfig(newTp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen,
                measuredCosts, speculation, moe, offload, kvOffload, newPp);
    }

    /** This config with preemption by swap to these tiers (null: by recompute). */
    public ServingConfig withKvOffload(KvOffload o) {
        return new ServingConfig(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen,
                measuredCosts, speculation, moe, offload, o, pp);
    }

    /** Attention groups per replica: attention-DP for MoE serving, else 1. */
    public int attentionDp() {
        return moe == null ? 1 : moe.attentionDp();
    }

    /** Devices one replica occupies: attention groups × tp × pp (pipeline stages only without attention-DP). */
    public int devicesPerReplica() {
        return attentionDp() * tp * pp;
    }
}
