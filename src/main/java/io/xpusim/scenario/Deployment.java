package io.xpusim.scenario;

import java.util.List;
import java.util.Locale;

/**
 * One configuration a plan considers: node groups (template, node count) with the replicas, tp and pp each runs
 * (and, kept from a mixture-of-experts base, attention-dp and ep), the batch scheduler and router, and — for a
 * disaggregated unit — its prefill and decode replica counts (then the single group's replicas are prefill + decode).
 */
public record Deployment(List<Group> groups, String scheduler, String router, int prefill, int decode) {
    /**
     * {@code replicas} model instances of attention-dp × {@code tp} × {@code pp} devices each (pp pipeline stages of
     * tp, or attention-dp groups of tp whose devices also hold {@code ep}-way spread experts) on {@code nodes} nodes
     * of template {@code node}.
     */
    public record Group(String node, int nodes, int replicas, int tp, int pp, int attentionDp, int ep) {
        public Group(String node, int nodes, int replicas, int tp, int pp) {
            this(node, nodes, replicas, tp, pp, 1, 1);
        }

        public Group(String node, int nodes, int replicas, int tp) {
            this(node, nodes, replicas, tp, 1);
        }

        /** This group with another node count and replica count, the same replica shape. */
        public Group scaled(String newNode, int newNodes, int newReplicas) {
            return new Group(newNode, newNodes, newReplicas, tp, pp, attentionDp, ep);
        }

        /** Devices of one replica: attention-dp × tp × pp, as the serving summary and goodput per device count them. */
        public int devicesPerReplica() {
            return attentionDp * tp * pp;
        }

        public int devices() {
            return replicas * devicesPerReplica();
        }

        /** "tp4", "tp4pp2" or "adp8tp1ep8". */
        String parallelism() {
            return (attentionDp > 1 ? "adp" + attentionDp : "") + "tp" + tp + (pp > 1 ? "pp" + pp : "")
                    + (ep > 1 ? "ep" + ep : "");
        }

        /** The replica's parallelism as YAML mapping entries after tp: ", pp: 2", ", attention-dp: 8, ep: 8" or "". */
        public String extraParallelismYaml() {
            return (pp > 1 ? ", pp: " + pp : "") + (attentionDp > 1 ? ", attention-dp: " + attentionDp : "")
                    + (ep > 1 ? ", ep: " + ep : "");
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
