package io.xpusim.training;

/** Argument rules every pipeline schedule shares: counts in range, and the schedule's own {@code check}. */
final class ScheduleArguments {
    private ScheduleArguments() {
    }

    /** Null when p, m and v are all at least 1, else what is wrong. */
    static String checkCounts(int stages, int microBatches, int virtualStages) {
        if (stages < 1) {
            return "pipeline stages must be at least 1, got " + stages;
        }
        if (microBatches < 1) {
            return "micro-batches per step must be at least 1, got " + microBatches;
        }
        if (virtualStages < 1) {
            return "virtual stages must be at least 1, got " + virtualStages;
        }
        return null;
    }

    /** Throws what {@code check} would say, or that the stage index is out of range. */
    static void require(PipelineSchedule schedule, int stage, int stages, int microBatches, int virtualStages) {
        String problem = schedule.check(stages, microBatches, virtualStages);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (stage < 0 || stage >= stages) {
            throw new IllegalArgumentException("stage " + stage + " is outside 0.." + (stages - 1));
        }
    }
}
