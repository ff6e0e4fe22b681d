package io.xpusim.scenario;

import java.util.Map;

/**
 * Service-level objectives. Percentile targets ({@code ttft-p90: 2s}) hold over the completed requests;
 * per-request targets ({@code ttft: 200ms}) each request meets or misses, and at least {@code attainment} of
 * all requests must meet every one of them (DistServe's SLO attainment). Empty when the scenario sets none.
 *
 * @param thresholdsSeconds latency percentile thresholds in seconds, keyed like {@code ttft-p90}
 * @param perRequestSeconds per-request latency targets in seconds, keyed {@code ttft}, {@code tpot}, {@code e2e}
 * @param attainment        fraction of requests that must meet every per-request target; NaN without targets
 */
public record Slo(Map<String, Double> thresholdsSeconds, Map<String, Double> perRequestSeconds, double attainment) {
    public static final Slo NONE = new Slo(Map.of(), Map.of(), Double.NaN);

    public boolean isEmpty() {
        return thresholdsSeconds.isEmpty() && perRequestSeconds.isEmpty();
    }

    public boolean hasPerRequestTargets() {
        return !perRequestSeconds.isEmpty();
    }

    /** The per-request target for {@code metric} in seconds, or +∞ when there is none. */
    public double perRequestSeconds(String metric) {
        return perRequestSeconds.getOrDefault(metric, Double.POSITIVE_INFINITY);
    }
}
