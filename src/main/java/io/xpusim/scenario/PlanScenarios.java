package io.xpusim.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scenarios of a plan: the base file read once, and per {@link Deployment} and arrival rate a copy of its
 * tree with the cluster, the replica layout (replicas, tp and the base's pp, attention-dp and ep; replica groups, or a
 * disaggregated pair of pools), the scheduler, router and rate put in, bound strictly like any scenario — so memory that does not fit or a tp
 * that does not divide the heads is refused here, before anything is simulated. Thread-safe.
 */
public final class PlanScenarios {
    private static final List<String> LAYOUT_KEYS = List.of("replicas", "parallelism", "replica-groups", "disaggregation");
    private final PlanSpec spec;
    private final YamlNode base;

    public PlanScenarios(PlanSpec spec, List<String> overrides) {
        this.spec = spec;
        this.base = YamlReader.readFile(spec.base(), spec.base().toString());
        Overrides.apply(base, overrides);
    }

    /** The base as written (with the overrides), bound: the plan's workload, model and SLO. */
    public Scenario base() {
        return ScenarioLoader.bind(SweepPoints.copy(base), spec.base(), ProfileLibrary.forScenario(spec.base()));
    }

    /** {@code d} under the base's workload at {@code ratePerSecond}; a ScenarioException when it cannot work. */
    public Scenario scenario(Deployment d, double ratePerSecond) {
        YamlNode tree = SweepPoints.copy(base);
        if (tree instanceof YamlNode.Mapping root && root.get("strategy") instanceof YamlNode.Mapping s) {
            for (String k : LAYOUT_KEYS) {
                s.entries().remove(k);
                s.keyLocations().remove(k);
            }
        }
        List<String> set = new ArrayList<>();
        StringBuilder nodes = new StringBuilder("cluster.nodes=[");
        for (int i = 0; i < d.groups().size(); i++) {
            Deployment.Group g = d.groups().get(i);
            nodes.append(i == 0 ? "" : ", ").append("{template: ").append(g.node()).append(", count: ").append(g.nodes())
                    .append('}');
        }
        set.add(nodes.append(']').toString());
        Deployment.Group first = d.groups().get(0);
        if (d.disaggregated()) {
            set.add(String.format(Locale.ROOT, "strategy.disaggregation={prefill: {replicas: %d, tp: %d%s}, decode: "
                    + "{replicas: %d, tp: %d%s}}", d.prefill(), first.tp(), first.extraParallelismYaml(), d.decode(),
                    first.tp(), first.extraParallelismYaml()));
        } else if (d.groups().size() == 1) {
            set.add("strategy.replicas=" + first.replicas());
            set.add("strategy.parallelism={tp: " + first.tp() + first.extraParallelismYaml() + "}");
        } else {
            StringBuilder groups = new StringBuilder("strategy.replica-groups=[");
            for (int i = 0; i < d.groups().size(); i++) {
                Deployment.Group g = d.groups().get(i);
                groups.append(i == 0 ? "" : ", ").append("{replicas: ").append(g.replicas()).append(", tp: ").append(g.tp())
                        .append(g.extraParallelismYaml()).append('}');
            }
            set.add(groups.append(']').toString());
        }
        set.add("strategy.scheduler.policy=" + d.scheduler());
        set.add("strategy.router=" + d.router());
        set.add("workload.arrivals.rate=" + java.math.BigDecimal.valueOf(ratePerSecond).stripTrailingZeros().toPlainString()
                + "/s");
        Overrides.apply(tree, set);
        return ScenarioLoader.bind(tree, spec.base(), ProfileLibrary.forScenario(spec.base()));
    }
}
