package io.xpusim.experiment;

import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.CollectiveRecord;
import io.xpusim.metrics.LinkUtilisation;
import io.xpusim.metrics.TraceSlice;
import io.xpusim.metrics.TrainingRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.scenario.Scenario;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A finished (or limit-stopped) run: the scenario, what was recorded — a serving recorder or collective
 * measurements or a training record or timed iterations, by kind (the others are null) — the trace slices (null unless asked for), link utilisation
 * over time (null without charts), the summary tree, and the memory tiers' ledger with the bytes per link class (null
 * for collective and iteration runs).
 */
public record RunResult(Scenario scenario, ServingRecorder recorder, List<CollectiveRecord> collectives,
                        List<TraceSlice> trace, LinkUtilisation links, StopReason stopReason,
                        LinkedHashMap<String, Object> summary, TrainingRecord training,
                        List<io.xpusim.metrics.IterationPoint> iterations, TierReport tiers) {
    public RunResult(Scenario scenario, ServingRecorder recorder, List<CollectiveRecord> collectives,
                     List<TraceSlice> trace, LinkUtilisation links, StopReason stopReason,
                     LinkedHashMap<String, Object> summary, TrainingRecord training,
                     List<io.xpusim.metrics.IterationPoint> iterations) {
        this(scenario, recorder, collectives, trace, links, stopReason, summary, training, iterations, null);
    }

    public RunResult(Scenario scenario, ServingRecorder recorder, List<CollectiveRecord> collectives,
                     List<TraceSlice> trace, LinkUtilisation links, StopReason stopReason,
                     LinkedHashMap<String, Object> summary, TrainingRecord training) {
        this(scenario, recorder, collectives, trace, links, stopReason, summary, training, null);
    }

    public RunResult(Scenario scenario, ServingRecorder recorder, List<CollectiveRecord> collectives, List<TraceSlice> trace,
                     LinkUtilisation links, StopReason stopReason, LinkedHashMap<String, Object> summary) {
        this(scenario, recorder, collectives, trace, links, stopReason, summary, null);
    }

    public boolean complete() {
        return stopReason == StopReason.DRAINED;
    }
}
