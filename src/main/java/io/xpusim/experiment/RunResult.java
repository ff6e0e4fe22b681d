package io.xpusim.experiment;

import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.CollectiveRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.scenario.Scenario;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A finished (or limit-stopped) run: the scenario, what was recorded — a serving recorder or collective
 * measurements, by kind (the other is null) — and the summary tree.
 */
public record RunResult(Scenario scenario, ServingRecorder recorder, List<CollectiveRecord> collectives,
                        StopReason stopReason, LinkedHashMap<String, Object> summary) {
    public boolean complete() {
        return stopReason == StopReason.DRAINED;
    }
}
