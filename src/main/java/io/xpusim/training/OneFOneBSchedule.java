package io.xpusim.training;

import java.util.ArrayList;
import java.util.List;

/**
 * Non-interleaved 1F1B with a flush at the end of each step (PipeDream-Flush; Narayanan et al., "Memory-Efficient
 * Pipeline-Parallel DNN Training", ICML 2021; Megatron-LM's default, Narayanan et al., "Efficient Large-Scale
 * Language Model Training on GPU Clusters Using Megatron-LM", SC'21 §2.2.1). Stage s runs min(p − s − 1, m)
 * warm-up forwards, then alternates one forward and one backward, then drains the remaining backwards. Same bubble
 * as GPipe, but a stage holds at most min(p − s, m) activations instead of m.
 */
public final class OneFOneBSchedule implements PipelineSchedule {

    @Override
    public String name() {
        return "1f1b";
    }

    @Override
    public List<PipelineTask> order(int stage, int stages, int microBatches, int virtualStages) {
        ScheduleArguments.require(this, stage, stages, microBatches, virtualStages);
        int warmUp = warmUp(stage, stages, microBatches);
        List<PipelineTask> tasks = new ArrayList<>(2 * microBatches);
        for (int mb = 0; mb < warmUp; mb++) {
            tasks.add(new PipelineTask(Pass.FORWARD, mb, 0));
        }
        for (int i = 0; i < microBatches - warmUp; i++) {
            tasks.add(new PipelineTask(Pass.FORWARD, warmUp + i, 0));
            tasks.add(new PipelineTask(Pass.BACKWARD, i, 0));
        }
        for (int mb = microBatches - warmUp; mb < microBatches; mb++) {
            tasks.add(new PipelineTask(Pass.BACKWARD, mb, 0));
        }
        return tasks;
    }

    @Override
    public String check(int stages, int microBatches, int virtualStages) {
        String counts = ScheduleArguments.checkCounts(stages, microBatches, virtualStages);
        return counts != null ? counts : PipelineSchedule.super.check(stages, microBatches, virtualStages);
    }

    /** The warm-up holds min(p − s − 1, m) activations; the first steady-state forward adds one more, if any. */
    @Override
    public int peakInFlight(int stage, int stages, int microBatches, int virtualStages) {
        ScheduleArguments.require(this, stage, stages, microBatches, virtualStages);
        return Math.min(stages - stage, microBatches);
    }

    /** Forwards stage {@code stage} runs before its first backward: min(p − s − 1, m). */
    static int warmUp(int stage, int stages, int microBatches) {
        return Math.min(stages - stage - 1, microBatches);
    }
}
