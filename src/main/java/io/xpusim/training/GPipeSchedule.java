package io.xpusim.training;

import java.util.ArrayList;
import java.util.List;

/**
 * GPipe: every stage runs the forwards of all micro-batches, then their backwards in reverse micro-batch order
 * (Huang et al., "GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism", NeurIPS 2019,
 * Fig. 2c). A stage holds all m activations at its peak; the bubble is (p − 1) forward-plus-backward times.
 */
public final class GPipeSchedule implements PipelineSchedule {

    @Override
    public String name() {
        return "gpipe";
    }

    /**
     * Reverse order, as in the GPipe paper and torchgpipe (autograd unwinds the last micro-batch first): the last
     * stage starts with the micro-batch whose forward it has just finished. With no communication cost the step
     * time is the same in either order; torch.distributed.pipelining's ScheduleGPipe happens to go in order.
     */
    @Override
    public List<PipelineTask> order(int stage, int stages, int microBatches, int virtualStages) {
        ScheduleArguments.require(this, stage, stages, microBatches, virtualStages);
        List<PipelineTask> tasks = new ArrayList<>(2 * microBatches);
        for (int mb = 0; mb < microBatches; mb++) {
            tasks.add(new PipelineTask(Pass.FORWARD, mb, 0));
        }
        for (int mb = microBatches - 1; mb >= 0; mb--) {
            tasks.add(new PipelineTask(Pass.BACKWARD, mb, 0));
        }
        return tasks;
    }

    @Override
    public String check(int stages, int microBatches, int virtualStages) {
        String counts = ScheduleArguments.checkCounts(stages, microBatches, virtualStages);
        return counts != null ? counts : PipelineSchedule.super.check(stages, microBatches, virtualStages);
    }

    @Override
    public int peakInFlight(int stage, int stages, int microBatches, int virtualStages) {
        ScheduleArguments.require(this, stage, stages, microBatches, virtualStages);
        return microBatches;
    }
}
