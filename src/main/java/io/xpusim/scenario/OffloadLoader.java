package io.xpusim.scenario;

import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.TierSpec;
import io.xpusim.serving.AttentionOffloads;
import io.xpusim.serving.InfeasibleConfigurationException;
import io.xpusim.serving.OffloadConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code strategy.offload}: {@code weights: none | cpu} (with {@code weights-on-gpu}, the fraction kept resident)
 * and {@code attention: none | cpu | csd} (the names of {@link AttentionOffloads}), and checks an offload against the
 * nodes it runs on. (The KV-cache tiers of issue 6 are meant to join this block as {@code kv-cache}.)
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
        List<String> targets = new ArrayList<>();
        targets.add(OffloadConfig.ON_DEVICE);
        targets.addAll(AttentionOffloads.names());
        String attention = o.choice("attention", targets, OffloadConfig.ON_DEVICE);
        o.finish();
        return new OffloadConfig(weights, weights ? onGpu : 1.0, attention);
    }

    /**
     * Refuses {@code attention: csd} on a node group without computational storage drives, at the attention key (in the
     * user's terms: which group, and the tier to add).
     */
    static void checkNodes(Fields strategy, OffloadConfig offload, List<NodeProfile> nodes) {
        if (!offload.attention().equals(AttentionOffloads.CSD)) {
            return;
        }
        for (int i = 0; i < nodes.size(); i++) {
            NodeProfile n = nodes.get(i);
            if (n.computationalStorage() == null) {
                throw new ScenarioException(attentionLocation(strategy), "attention: csd runs decode attention inside "
                        + "computational storage drives, but node group " + i + " ('" + n.name() + "') has no tier of "
                        + "them" + (n.tiers().isEmpty() ? "" : " (its tiers " + n.tiers().stream().map(TierSpec::name)
                        .toList() + " have no compute engine)"), "add to cluster.nodes." + i + " a tier with an engine, "
                        + "e.g. tiers: [{ memory: samsung-smartssd-3.84tb, count: 4, link: pcie-gen3-x4, engine: "
                        + "smartssd-ku15p }], or use attention: cpu");
            }
        }
    }

    /**
     * Where an infeasible memory plan is the offload's fault: at {@code strategy.offload.attention} when the KV cache
     * does not fit its computational storage, at {@code strategy.offload} when host memory is short, else null.
     */
    static Location blame(Fields strategy, OffloadConfig offload, InfeasibleConfigurationException e) {
        if (!offload.any()) {
            return null;
        }
        if (e.getMessage().contains("computational storage")) {
            return attentionLocation(strategy);
        }
        return e.getMessage().contains("host memory") ? strategy.locationOf("offload") : null;
    }

    /** The value of {@code strategy.offload.attention}, or {@code strategy.offload} when it is not given there. */
    private static Location attentionLocation(Fields strategy) {
        if (strategy.has("offload") && strategy.node("offload") instanceof YamlNode.Mapping m && m.get("attention") != null) {
            return m.get("attention").location();
        }
        return strategy.locationOf("offload");
    }
}
