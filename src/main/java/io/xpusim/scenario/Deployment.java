package io.xpusim.scenario;

import java.util.List;
import java.util.Locale;

/**
 * One configuration a plan considers: node groups (template, node count) with the replicas and tp each runs,
 * the batch scheduler and router, and — for a disaggregated unit — its prefill and decode replica counts
 * (then the single group's replicas are prefill + decode).
 */
public record Deployment(List<Group> groups, String scheduler, String router, int prefill, int decode) {
    /** {@code replicas} model instances of {@code tp} devices each on {@code nodes} nodes of template {@code node}. */
    public record Group(String node, int nodes, int replicas, int tp) {
        public int devices() {
            return replicas * tp;
        }
    }

    public boolean disaggregated() {
        return prefill > 0;
    }

    public int devices() {
        return groups.stream().mapToInt(Group::devices).sum();
    }

    /** homogeneous, mix or disaggregated. */
    public String kind() {
        return disaggregated() ? "disaggregated" : groups.size() > 1 ? "mix" : "homogeneous";
    }

    /** E.g. "2× dgx-h100 tp4 (4 replicas), vllm" or "dgx-h100 1P:2D tp2, vllm". */
    public String label() {
        StringBuilder b = new StringBuilder();
        for (Group g : groups) {
            if (b.length() > 0) {
                b.append(" + ");
            }
            if (disaggregated()) {
                b.append(String.format(Locale.ROOT, "%s %dP:%dD tp%d", g.node(), prefill, decode, g.tp()));
            } else {
                b.append(String.format(Locale.ROOT, "%d× %s tp%d", g.replicas(), g.node(), g.tp()));
            }
        }
        return b + ", " + scheduler;
    }
}
