package io.xpusim.scenario;

import java.util.List;
import java.util.Locale;

/**
 * One configuration a plan considers: node groups (template, node count) with the replicas, tp and pp each runs,
 * the batch scheduler and router, and — for a disaggregated unit — its prefill and decode replica counts
 * (then the single group's replicas are prefill + decode).
 */
public record Deployment(List<Group> groups, String scheduler, String router, int prefill, int decode) {
    /**
     * {@code replicas} model instances of {@code tp} × {@code pp} devices each (pp pipeline stages of tp) on
     * {@code nodes} nodes of template {@code node}.
     */
    public record Group(String node, int nodes, int replicas, int tp, int pp) {
        public Group(String node, int nodes, int replicas, int tp) {
            this(node, nodes, replicas, tp, 1);
        }

        /** Devices of one replica: tp × pp, as the serving summary and goodput per device count them. */
        public int devicesPerReplica() {
            return tp * pp;
        }

        public int devices() {
            return replicas * devicesPerReplica();
        }

        /** "tp4" or "tp4pp2". */
        String parallelism() {
            return "tp" + tp + (pp > 1 ? "pp" + pp : "");
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
                b.append(String.format(Locale.ROOT, "%s %dP:%dD %s", g.node(), prefill, decode, g.parallelism()));
            } else {
                b.append(String.format(Locale.ROOT, "%d× %s %s", g.replicas(), g.node(), g.parallelism()));
            }
        }
        return b + ", " + scheduler;
    }
}
