package io.xpusim.training;

import java.util.ArrayList;
import java.util.List;

/**
 * Megatron-LM's interleaved 1F1B: each stage holds v model chunks (chunk c of stage s is block c·p + s), so a
 * micro-batch crosses the pipeline v times in smaller steps and the bubble shrinks to (p − 1)/v of a micro-batch's
 * forward-plus-backward time (Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
 * Megatron-LM", SC'21 §2.2.2; Megatron-LM's {@code forward_backward_pipelining_with_interleaving}).
 *
 * <p>Forwards go in groups of p micro-batches: chunk 0 for micro-batches 0..p−1, chunk 1 for the same p, …,
 * chunk v−1, then the next p micro-batches; backwards follow the same walk with chunks reversed (v−1 first). Stage s
 * runs min((p − s − 1)·2 + (v − 1)·p, m·v) warm-up forwards, then alternates one forward and one backward, then
 * drains the remaining backwards. With v = 1 this is exactly {@code 1f1b} (warm-up min(p − s − 1, m)), as in
 * Megatron-LM, which runs its non-interleaved schedule when there is one chunk.
 *
 * <p>The doubled (p − s − 1) term is Megatron's: it keeps stage s busy while its first micro-batch travels to the last
 * stage and back (p − s − 1 hops each way). With free communication the step time is the same without it (checked
 * in the tests' executor); it costs p − s − 1 activations and buys slack for point-to-point latency.
 *
 * <p>Megatron runs every forward first on all stages when m = p; this class keeps the formula there too (with
 * p ≥ 2, stage 0 is capped to all m·v anyway; later stages then hold fewer activations at no cost in step time).
 */
public final class InterleavedSchedule implements PipelineSchedule {

    @Override
    public String name() {
        return "interleaved";
    }

    @Override
    public List<PipelineTask> order(int stage, int stages, int microBatches, int virtualStages) {
        ScheduleArguments.require(this, stage, stages, microBatches, virtualStages);
        int total = microBatches * virtualStages;
        int warmUp = warmUp(stage, stages, microBatches, virtualStages);
        List<PipelineTask> tasks = new ArrayList<>(2 * total);
        for (int k = 0; k < warmUp; k++) {
            tasks.add(task(Pass.FORWARD, k, stages, virtualStages));
        }
        for (int i = 0; i < total - warmUp; i++) {
            tasks.add(task(Pass.FORWARD, warmUp + i, stages, virtualStages));
            tasks.add(task(Pass.BACKWARD, i, stages, virtualStages));
        }
        for (int k = total - warmUp; k < total; k++) {
            tasks.add(task(Pass.BACKWARD, k, stages, virtualStages));
        }
        return tasks;
    }

    /** Any v ≥ 1; with v &gt; 1, m must be a multiple of p, as Megatron-LM requires. */
    @Override
    public String check(int stages, int microBatches, int virtualStages) {
        String counts = ScheduleArguments.checkCounts(stages, microBatches, virtualStages);
        if (counts != null) {
            return counts;
        }
        if (virtualStages > 1 && microBatches % stages != 0) {
            return "interleaved schedule needs the micro-batch count to be a multiple of the pipeline stages, but "
                    + microBatches + " micro-batches do not divide into groups of " + stages
                    + " stages (try " + roundUp(microBatches, stages) + ", or schedule: 1f1b)";
        }
        return null;
    }

    /** The warm-up forwards plus the first steady-state forward, if there is one. */
    @Override
    public int peakInFlight(int stage, int stages, int microBatches, int virtualStages) {
        ScheduleArguments.require(this, stage, stages, microBatches, virtualStages);
        return Math.min(warmUp(stage, stages, microBatches, virtualStages) + 1, microBatches * virtualStages);
    }

    /**
     * Forwards stage {@code stage} runs before its first backward: min((p − s − 1)·2 + (v − 1)·p, m·v), or 1F1B's
     * min(p − s − 1, m) when v = 1. Megatron-LM only enters its interleaved code with v &gt; 1; applied at v = 1 the
     * doubled term would just hold p − s − 1 extra activations for the same step time.
     */
    static int warmUp(int stage, int stages, int microBatches, int virtualStages) {
        if (virtualStages == 1) {
            return OneFOneBSchedule.warmUp(stage, stages, microBatches);
        }
        return Math.min((stages - stage - 1) * 2 + (virtualStages - 1) * stages, microBatches * virtualStages);
    }

    /** The k-th forward or k-th backward of a stage: micro-batch groups of p, chunks walked up (forward) or down. */
    private static PipelineTask task(Pass pass, int k, int stages, int virtualStages) {
        int group = k / (stages * virtualStages);
        int inGroup = k % (stages * virtualStages);
        int chunk = inGroup / stages;
        if (pass == Pass.BACKWARD) {
            chunk = virtualStages - 1 - chunk;
        }
        return new PipelineTask(pass, group * stages + inGroup % stages, chunk);
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
