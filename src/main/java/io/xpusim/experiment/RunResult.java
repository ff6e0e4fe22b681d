package io.xpusim.experiment;

import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.scenario.Scenario;
import java.util.LinkedHashMap;

/** A finished (or limit-stopped) serving run: the scenario, what was recorded, and the summary tree. */
public record RunResult(Scenario scenario, ServingRecorder recorder, StopReason stopReason,
                        LinkedHashMap<String, Object> summary) {
    public boolean complete() {
        return stopReason == StopReason.DRAINED;
    }
}
