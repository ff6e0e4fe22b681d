package io.xpusim.scenario;

import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.TierSpec;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.ExpertCaches;
import io.xpusim.serving.ExpertOffload;
import io.xpusim.units.Precision;
import java.util.List;
import java.util.Locale;

/**
 * Binds and checks {@code strategy.moe.offload}: where the routed experts live, the GPU expert cache (policy, size per
 * layer or in total), the prefetch predictor's accuracy, the precision of the tier's copies and CPU compute of misses.
 */
final class ExpertOffloadLoader {
    private ExpertOffloadLoader() {
    }

    static ExpertOffload offload(Fields moe, ModelSpec model, MoeLoader.Groups g, boolean overlap, Precision weights) {
        Fields o = moe.object("offload");
        if (g.ep() > 1 || g.attentionDp() > 1) {
            throw new ScenarioException(moe.locationOf("offload"), "expert offloading runs with tensor-parallel experts "
                    + "(ep 1, attention-dp 1): each device caches its slice of every expert", "remove ep and attention-dp "
                    + "from strategy.parallelism, or remove strategy.moe.offload");
        }
        if (overlap) {
            throw new ScenarioException(moe.locationOf("overlap"), "'" + moe.qualified("overlap") + "' (two-batch overlap "
                    + "of all-to-alls) does not apply to expert offloading", "remove overlap");
        }
        String tier = o.string("tier", TierSpec.HOST);
        Fields cache = o.object("cache");
        String policy = cache.choice("policy", ExpertCaches.names(), ExpertCaches.DEFAULT);
        int experts = model.moe().experts();
        int perLayer = -1;
        int total = -1;
        if (cache.has("experts-per-layer") == cache.has("experts")) {
            throw new ScenarioException(cache.location(), "'" + cache.path() + "' needs its size as exactly one of "
                    + "experts-per-layer (every MoE layer its own cache) or experts (one cache over all layers)",
                    "e.g. cache: { policy: lru, experts-per-layer: 2 }");
        }
        if (cache.has("experts-per-layer")) {
            perLayer = cache.intValue("experts-per-layer", 0, experts);
        } else {
            total = cache.intValue("experts", 0, experts * model.moeLayers());
        }
        cache.finish();
        double accuracy = -1;
        if (o.has("prefetch")) {
            Fields p = o.object("prefetch");
            accuracy = p.number("accuracy", 0, 1);
            p.finish();
        }
        Precision cold = null;
        if (o.has("cold-precision")) {
            List<String> names = List.of("fp8", "int8", "fp4", "int4");
            cold = Precision.fromYaml(o.choice("cold-precision", names, null));
            if (cold.bytesPerElement() >= weights.bytesPerElement()) {
                throw new ScenarioException(o.locationOf("cold-precision"), String.format(Locale.ROOT, "cold-precision %s "
                        + "is not below the weights' %s", cold.yamlName(), weights.yamlName()),
                        "use a lower precision than strategy.precision.weights, or remove cold-precision");
            }
        }
        boolean cpu = o.bool("cpu-compute", false);
        if (cpu && !tier.equals(TierSpec.HOST)) {
            throw new ScenarioException(o.locationOf("cpu-compute"), "cpu-compute needs the experts in host DRAM (tier "
                    + TierSpec.HOST + "), not in '" + tier + "'", "use tier: cpu, or set cpu-compute: false");
        }
        o.finish();
        return new ExpertOffload(tier, policy, perLayer, total, accuracy, cold, cpu);
    }

    /** The tier must exist on the node, and hold every expert there (at the tier's precision). */
    static void checkNode(Fields strategy, NodeProfile node, ModelSpec model, ExpertOffload o, Precision weights) {
        double need = model.moeLayers() * (double) model.moe().experts() * o.tierExpertBytes(model, weights);
        double have;
        if (o.tier().equals(TierSpec.HOST)) {
            if (node.hostMemory() == null || node.hostLink() == null) {
                throw new ScenarioException(strategy.locationOf("moe"), "node template '" + node.name() + "' has no host "
                        + "memory or host link to hold the offloaded experts", "use a template with host-memory and host-link");
            }
            have = node.hostMemory().capacityBytes();
        } else {
            TierSpec t = node.tier(o.tier());
            if (t == null) {
                List<String> names = new java.util.ArrayList<>(List.of(TierSpec.HOST));
                node.tiers().forEach(x -> names.add(x.name()));
                throw new ScenarioException(strategy.locationOf("moe"), "node template '" + node.name() + "' has no "
                        + "memory tier '" + o.tier() + "' for strategy.moe.offload.tier", DidYouMean.hint(o.tier(), names));
            }
            have = t.capacityBytes();
        }
        if (need > have) {
            throw new ScenarioException(strategy.locationOf("moe"), String.format(Locale.ROOT, "the %s routed experts "
                    + "(%.1f GB) do not fit in tier '%s' (%.1f GB on a %s node; experts live on the GPU's socket)",
                    model.name(), need / 1e9, o.tier(), have / 1e9, node.name()), "use cold-precision or a larger tier");
        }
    }
}
