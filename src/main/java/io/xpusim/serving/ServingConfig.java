package io.xpusim.serving;

import io.xpusim.units.Precision;

/**
 * How one model is served: tensor-parallel degree, scheduler, runtime overheads, memory budget and
 * precisions.
 *
 * @param gpuMemoryUtilization fraction of device memory the engine may use (weights + KV + activations)
 * @param maxModelLen          longest prompt + output a request may have, in tokens
 * @param measuredCosts        measured operator times (operator → {rows, seconds} points) replacing the
 *                             roofline for the operators they cover; empty for pure roofline
 * @param speculation          speculative decoding with a draft model, or null when off
 */
public record ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                            Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                            java.util.Map<String, double[][]> measuredCosts, Speculation speculation) {
    public ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                         Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                         java.util.Map<String, double[][]> measuredCosts) {
        this(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen, measuredCosts, null);
    }

    /** This config with speculative decoding (null: off). */
    public ServingConfig withSpeculation(Speculation s) {
        return new ServingConfig(tp, scheduler, runtime, gpuMemoryUtilization, weights, activations, kvCache, maxModelLen,
                measuredCosts, s);
    }
}
