package io.xpusim.training;

import io.xpusim.model.AttentionKernel;
import io.xpusim.model.Recompute;
import io.xpusim.units.Precision;
import java.util.List;

/**
 * A training job as the scenario describes it: batch geometry, the parallel plan, the pipeline schedule,
 * memory-saving techniques and how many steps to simulate.
 *
 * @param globalBatch      sequences per optimizer step, over all replicas
 * @param microBatch       sequences per pipeline micro-batch
 * @param precision        math precision (bf16/fp16/fp8); weights, activations and communication are 16-bit
 *                         (bf16 under fp8, as Transformer Engine keeps them), fp32 master weights in the optimizer
 * @param gradientPrecision precision gradients accumulate and are reduced in (Megatron-LM: fp32 with bf16)
 * @param schedule         pipeline schedule name ({@link PipelineSchedules})
 * @param zeroStage        ZeRO stage 0..3 (3: parameters sharded too, FSDP-style)
 * @param overlapDpGrad    reduce gradient buckets while the backward pass still runs
 * @param overlapTpComm    run tensor-parallel communication concurrently with computation
 * @param bucketBytes      gradient bucket size for data-parallel reduction
 * @param layersPerStage   explicit layer count per pipeline stage, or null for an even split
 * @param scatterGather    send pipeline activations split over the TP ranks (Megatron's scatter/gather optimisation)
 * @param computeEfficiency fraction of the device profile's achieved kernel rates this software stack reaches
 *                         (1: the profile's measured efficiencies; below 1 for older libraries), applied to every pass
 */
public record TrainingSpec(int globalBatch, int microBatch, int sequenceLength, Precision precision,
                           Precision gradientPrecision, ParallelPlan plan,
                           String schedule, int zeroStage, Recompute recompute, AttentionKernel attention,
                           boolean overlapDpGrad, boolean overlapTpComm, OffloadTarget optimizerOffload, int steps,
                           double bucketBytes, List<Integer> layersPerStage, boolean scatterGather,
                           double computeEfficiency) {

    /** Precision of stored weights, activations and their communication: 16-bit. */
    public Precision storagePrecision() {
        return precision == Precision.FP8 ? Precision.BF16 : precision;
    }

    /** Micro-batches each data-parallel replica runs per step: global batch / (dp · micro-batch). */
    public int microBatchesPerReplica() {
        return globalBatch / (plan.dp() * microBatch);
    }

    /** Tokens per optimizer step over the whole job. */
    public double tokensPerStep() {
        return (double) globalBatch * sequenceLength;
    }
}
