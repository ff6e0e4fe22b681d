package io.xpusim.scenario;

import io.xpusim.model.ExpertPlacementPolicy;
import io.xpusim.model.ExpertPlacements;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.ExpertOffload;
import io.xpusim.serving.MoeServing;
import io.xpusim.units.Precision;
import io.xpusim.workload.RoutingTrace;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Binds and checks how a mixture-of-experts model is served: {@code parallelism.attention-dp} and
 * {@code parallelism.ep} (also per disaggregated pool) and the {@code strategy.moe} block (routing, placement,
 * redundant experts, two-batch overlap, expert offloading).
 */
final class MoeLoader {
    private MoeLoader() {
    }

    /** attention-dp and ep of one parallelism mapping (strategy.parallelism or a disaggregated pool). */
    record Groups(int attentionDp, int ep) {
    }

    /** Reads attention-dp and ep from {@code par} for a MoE model; for a dense one refuses them. */
    static Groups groups(Fields par, ModelSpec model, int tp) {
        if (!model.isMoe()) {
            for (String key : List.of("attention-dp", "ep")) {
                if (par.has(key)) {
                    throw new ScenarioException(par.locationOf(key), "'" + par.qualified(key) + "' applies to "
                            + "mixture-of-experts models; " + model.name() + " is dense", "remove it (use replicas for "
                            + "data parallelism)");
                }
            }
            return new Groups(1, 1);
        }
        int dp = par.intValue("attention-dp", 1, 1, 1 << 16);
        int ep = par.intValue("ep", 1, 1, 1 << 16);
        if (ep != 1 && ep != dp * tp) {
            throw new ScenarioException(par.locationOf("ep"), String.format(Locale.ROOT, "ep=%d must be 1 (tensor-parallel "
                    + "experts) or attention-dp × tp = %d × %d = %d (experts spread over all of the replica's devices)",
                    ep, dp, tp, dp * tp), "set ep: " + dp * tp);
        }
        if (dp > 1 && ep == 1) {
            throw new ScenarioException(par.locationOf("attention-dp"), "attention-dp=" + dp + " needs expert "
                    + "parallelism: attention groups share experts only through ep", "set ep: " + dp * tp
                    + ", or use replicas for independent copies");
        }
        return new Groups(dp, ep);
    }

    /** strategy.moe for a MoE model (defaults when absent); refused for a dense model. */
    static MoeServing moe(Fields s, ModelSpec model, Path scenarioFile, long seed, Groups g, Precision weights) {
        if (!model.isMoe()) {
            if (s.has("moe")) {
                throw new ScenarioException(s.locationOf("moe"), "'strategy.moe' applies to mixture-of-experts models; "
                        + model.name() + " is dense", "remove strategy.moe");
            }
            return null;
        }
        Fields m = s.optionalObject("moe");
        String placement = m.choice("placement", ExpertPlacements.names(), ExpertPlacements.DEFAULT);
        ExpertPlacementPolicy policy = ExpertPlacements.create(placement);
        int redundant = m.intValue("redundant-experts", 0, 0, 1 << 16);
        if (redundant > 0 && !policy.replicates()) {
            throw new ScenarioException(m.locationOf("redundant-experts"), "'" + m.qualified("redundant-experts")
                    + "' needs a placement that replicates experts, not " + placement, "use placement: replicate-hot");
        }
        boolean overlap = m.bool("overlap", false);
        ExpertOffload offload = m.has("offload") ? ExpertOffloadLoader.offload(m, model, g, overlap, weights) : null;
        Fields r = m.optionalObject("routing");
        double skew = 0;
        double locality = 0;
        double[][] histogram = null;
        String trace = null;
        if (r.has("trace")) {
            for (String key : List.of("skew", "locality")) {
                if (r.has(key)) {
                    throw new ScenarioException(r.locationOf(key), "'" + r.qualified(key) + "' is for the synthetic "
                            + "router; a routing trace replaces it", "remove " + key + " or trace");
                }
            }
            Path file = scenarioFile.toAbsolutePath().getParent().resolve(r.string("trace")).normalize();
            r.putResolved("trace", file.toString());
            trace = file.toString();
            histogram = histogram(r, file, model);
        } else {
            skew = r.number("skew", 0, 0, 10);
            locality = r.number("locality", 0, 0, 1);
        }
        r.finish();
        m.finish();
        int experts = model.moe().experts();
        if (g.ep() > 1 && (experts + redundant) % g.ep() != 0) {
            throw new ScenarioException(redundant > 0 ? m.locationOf("redundant-experts") : s.locationOf("parallelism"),
                    String.format(Locale.ROOT, "%d experts%s do not split evenly over ep=%d ranks", experts,
                            redundant > 0 ? " + " + redundant + " redundant" : "", g.ep()),
                    redundant > 0 ? "choose redundant-experts so that experts + redundant is a multiple of ep"
                            : "use an ep dividing " + experts + ", or replicate-hot with redundant experts");
        }
        return new MoeServing(g.attentionDp(), g.ep(), placement, redundant, skew, locality, histogram, trace, overlap,
                seed, offload);
    }

    private static double[][] histogram(Fields r, Path file, ModelSpec model) {
        String shown = r.qualified("trace");
        try {
            return RoutingTrace.read(file, model.layers(), model.moe().denseLayers(), model.moe().experts());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ScenarioException(r.locationOf("trace"), "'" + shown + "': file not found: " + file,
                    "paths are relative to the scenario's folder");
        } catch (java.io.IOException e) {
            throw new ScenarioException(r.locationOf("trace"), "'" + shown + "': cannot read " + file, null);
        } catch (RoutingTrace.FormatException e) {
            throw new ScenarioException(new Location(file.toString(), (int) Math.min(Integer.MAX_VALUE, e.line()),
                    e.column()), e.getMessage(), "header " + RoutingTrace.HEADER + ", then one row per layer and expert");
        }
    }
}
