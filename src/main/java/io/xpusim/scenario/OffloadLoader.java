package io.xpusim.scenario;

import io.xpusim.serving.OffloadConfig;
import java.util.List;

/**
 * Reads {@code strategy.offload}: {@code weights: none | cpu} (with {@code weights-on-gpu}, the fraction kept resident)
 * and {@code attention: none | cpu}. (The KV-cache tiers of issue 6 are meant to join this block as {@code kv-cache}.)
 */
final class OffloadLoader {
    private OffloadLoader() {
    }

    static OffloadConfig offload(Fields s) {
        if (!s.has("offload")) {
            return OffloadConfig.NONE;
        }
        Fields o = s.object("offload");
        boolean weights = o.choice("weights", List.of("none", "cpu"), "none").equals("cpu");
        double onGpu = 0;
        if (o.has("weights-on-gpu")) {
            if (!weights) {
                throw new ScenarioException(o.locationOf("weights-on-gpu"), "'" + o.qualified("weights-on-gpu")
                        + "' applies only to streamed weights", "add weights: cpu or remove weights-on-gpu");
            }
            onGpu = o.number("weights-on-gpu", 0, 0.99);
        }
        boolean attention = o.choice("attention", List.of("none", "cpu"), "none").equals("cpu");
        o.finish();
        return new OffloadConfig(weights, weights ? onGpu : 1.0, attention);
    }
}
