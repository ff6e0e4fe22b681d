package io.xpusim.metrics;

import java.util.List;

/**
 * What a training run recorded for reports: the last step's slices (which start at
 * {@code lastStepStartSeconds}), each stage's time breakdown and its peak memory.
 */
public record TrainingRecord(List<PipelineSlice> lastStepSlices, List<StageTime> stageTimes, List<StageMemory> memory,
                             double lastStepStartSeconds) {
}
