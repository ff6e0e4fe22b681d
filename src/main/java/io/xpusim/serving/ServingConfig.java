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
 */
public record ServingConfig(int tp, SchedulerConfig scheduler, RuntimeConfig runtime, double gpuMemoryUtilization,
                            Precision weights, Precision activations, Precision kvCache, int maxModelLen,
                            java.util.Map<String, double[][]> measuredCosts) {
}
