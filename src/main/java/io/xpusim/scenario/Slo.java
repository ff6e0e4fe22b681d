package io.xpusim.scenario;

import java.util.Map;

/**
 * Service-level objectives: latency percentile thresholds in seconds, keyed like {@code ttft-p90}.
 * Empty when the scenario sets none.
 */
public record Slo(Map<String, Double> thresholdsSeconds) {
}
