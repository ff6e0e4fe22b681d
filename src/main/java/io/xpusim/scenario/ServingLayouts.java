package io.xpusim.scenario;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.Disaggregation;
import io.xpusim.serving.InfeasibleConfigurationException;
import io.xpusim.serving.MemoryPlan;
import io.xpusim.serving.ReplicaGroup;
import io.xpusim.serving.ServingConfig;
import io.xpusim.serving.Speculation;
import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How serving replicas are laid out over the cluster, read and checked in the user's terms: replica groups
 * ({replicas, tp, pp}), the disaggregation block (pools of groups, or same-GPU), and the walk of replicas over the
 * cluster's devices in order, which must keep each replica on one device type, each pipeline stage inside one node,
 * and find a network between stages on different nodes and for spare draft devices.
 */
final class ServingLayouts {
    /** A replica group with the words that name it in messages ("group 1", "prefill group 0"). */
    record Item(ReplicaGroup group, String label) {
    }

    private ServingLayouts() {
    }

    static List<Item> items(List<ReplicaGroup> groups, String label) {
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            out.add(new Item(groups.get(i), groups.size() == 1 && label.equals("replicas") ? label : label + " " + i));
        }
        return out;
    }

    /** One { replicas, tp, pp } mapping (of strategy.replica-groups). */
    static ReplicaGroup group(Fields g, boolean replicasRequired) {
        int r = replicasRequired ? g.intValue("replicas", 1, 1 << 20) : g.intValue("replicas", 1, 1, 1 << 20);
        int tp = g.intValue("tp", 1, 1, 1024);
        int pp = g.intValue("pp", 1, 1, 1024);
        g.finish();
        return new ReplicaGroup(r, tp, pp);
    }

    /** One group of a disaggregation pool: { replicas, tp, pp }, and for a MoE model also attention-dp and ep. */
    private static ReplicaGroup poolGroup(Fields g, ModelSpec model) {
        int r = g.intValue("replicas", 1, 1, 1 << 20);
        int tp = g.intValue("tp", 1, 1, 1024);
        int pp = g.intValue("pp", 1, 1, 1024);
        MoeLoader.Groups moe = MoeLoader.groups(g, model, tp);
        if (pp > 1 && (model.isMoe() || model.mla() != null)) {
            throw new ScenarioException(g.locationOf("pp"), pipelineRefusal(model), "use pp: 1"
                    + (model.isMoe() ? " and spread the experts with ep" : ""));
        }
        g.finish();
        return new ReplicaGroup(r, tp, pp, moe.attentionDp(), moe.ep());
    }

    /** Why pipeline parallelism is refused for {@code model} (a mixture-of-experts or latent-attention one). */
    static String pipelineRefusal(ModelSpec model) {
        return "pipeline parallelism with " + (model.isMoe() ? "a mixture-of-experts" : "a latent-attention") + " model ('"
                + model.name() + "') is not supported yet: its " + (model.isMoe() ? "experts are routed and run"
                : "latent KV is handed over") + " per iteration over all layers, not per pipeline stage";
    }

    /**
     * strategy.disaggregation, or null when absent: { prefill: pool, decode: pool, kv-transfer: whole | layer-by-layer }
     * with a pool one { replicas, tp, pp } or a list of them, or { mode: same-gpu, prefill-share: s }.
     */
    static Disaggregation disaggregation(Fields s, ServingConfig serving, ModelSpec model) {
        if (!s.has("disaggregation")) {
            return null;
        }
        Fields d = s.object("disaggregation");
        String mode = d.choice("mode", List.of("pools", "same-gpu"), "pools");
        if (mode.equals("same-gpu")) {
            for (String key : List.of("prefill", "decode", "kv-transfer")) {
                if (d.has(key)) {
                    throw new ScenarioException(d.locationOf(key), "'" + d.qualified(key) + "' applies to mode: pools; "
                            + "with same-gpu, prefill and decode share every replica's devices and no KV moves",
                            "remove it, or use mode: pools");
                }
            }
            double share = d.number("prefill-share", 0, 1);
            if (!(share > 0 && share < 1)) {
                throw new ScenarioException(d.locationOf("prefill-share"), "'" + d.qualified("prefill-share")
                        + "' must be strictly between 0 and 1, not " + share, "it is the fraction of each device's "
                        + "compute the prefill engine may use, e.g. 0.6");
            }
            d.finish();
            if (serving.pp() > 1) {
                throw new ScenarioException(s.locationOf("parallelism"), "same-GPU disaggregation with pipeline "
                        + "parallelism is not supported yet", "use pp: 1, or mode: pools");
            }
            if (model.isMoe()) {
                throw new ScenarioException(d.locationOf("mode"), "same-GPU disaggregation of a mixture-of-experts model "
                        + "('" + model.name() + "') is not supported yet: its expert and all-to-all work is not split by "
                        + "compute share", "use disaggregation pools (prefill and decode on their own devices)");
            }
            return Disaggregation.sameGpu(share);
        }
        if (d.has("prefill-share")) {
            throw new ScenarioException(d.locationOf("prefill-share"), "'" + d.qualified("prefill-share")
                    + "' applies to mode: same-gpu", "remove it, or add mode: same-gpu (without prefill and decode)");
        }
        List<ReplicaGroup> prefill = pool(d, "prefill", model);
        List<ReplicaGroup> decode = pool(d, "decode", model);
        Disaggregation.KvTransfer kv = Disaggregation.KvTransfer.fromYaml(d.choice("kv-transfer",
                Disaggregation.KvTransfer.yamlNames(), Disaggregation.KvTransfer.WHOLE.yamlName()));
        d.finish();
        return Disaggregation.pools(prefill, decode, kv);
    }

    private static List<ReplicaGroup> pool(Fields d, String key, ModelSpec model) {
        if (d.node(key) instanceof YamlNode.Sequence) {
            List<YamlNode> items = d.list(key);
            if (items.isEmpty()) {
                throw new ScenarioException(d.locationOf(key), "'" + d.qualified(key) + "' is empty",
                        "add e.g. - { replicas: 1, tp: 8 }");
            }
            List<ReplicaGroup> out = new ArrayList<>();
            List<Object> resolved = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Fields g = Fields.of(items.get(i), d.qualified(key) + "." + i);
                out.add(poolGroup(g, model));
                resolved.add(g.resolved());
            }
            d.putResolved(key, resolved);
            return List.copyOf(out);
        }
        return List.of(poolGroup(d.object(key), model));
    }

    /**
     * Walks the groups' replicas over the cluster's devices in order (node groups as listed), then one spare device per
     * replica when the draft model runs on its own device. Each replica must stay on one device type and each of its
     * pipeline stages (tp devices) inside one node; stages on different nodes need the scale-out network. Each group is
     * checked against its own node's profile like a homogeneous deployment (heads, layers, fabric, precision, memory).
     *
     * @param needWhat the start of the too-few-devices message, e.g. "replica groups need"
     */
    static void walk(Fields strategy, Location at, List<Cluster.NodeGroup> groups, boolean scaleOut, ModelSpec model,
                     ServingConfig c, List<Item> items, String needWhat) {
        List<NodeProfile> nodeOf = new ArrayList<>();
        List<Integer> nodeIndex = new ArrayList<>();
        int node = 0;
        for (Cluster.NodeGroup g : groups) {
            for (int n = 0; n < g.count(); n++, node++) {
                for (int d = 0; d < g.profile().deviceCount(); d++) {
                    nodeOf.add(g.profile());
                    nodeIndex.add(node);
                }
            }
        }
        Speculation spec = c.speculation();
        // in long: a hostile replicas × attention-dp × tp × pp must not wrap round to a count that passes
        long needed = items.stream().mapToLong(i -> (long) i.group().replicas() * i.group().attentionDp() * i.group().tp()
                * i.group().pp()).sum();
        long replicas = items.stream().mapToLong(i -> i.group().replicas()).sum();
        long spares = spec != null && spec.device() == Speculation.DraftDevice.SPARE ? replicas : 0;
        if (needed + spares > nodeOf.size()) {
            throw new ScenarioException(at, String.format(Locale.ROOT, "%s %d devices%s but the cluster has %d", needWhat,
                    needed + spares, spares > 0 ? " (with one spare device per replica for its draft model)" : "",
                    nodeOf.size()), "lower replicas or tp, or add nodes");
        }
        int from = 0;
        int replica = 0;
        for (Item item : items) {
            ReplicaGroup g = item.group();
            ServingConfig gc = g.config(c);
            Set<String> checked = new HashSet<>();
            int size = g.devicesPerReplica();
            for (int i = 0; i < g.replicas(); i++, replica++, from += size) {
                NodeProfile first = nodeOf.get(from);
                String which = String.format(Locale.ROOT, "replica %d (%s, tp=%d%s%s)", replica, item.label(), g.tp(),
                        g.pp() > 1 ? " pp=" + g.pp() : "", g.attentionDp() > 1 ? " attention-dp=" + g.attentionDp() : "");
                // each tensor-parallel group (a pipeline stage's, or an attention group's) stays on one node
                for (int lo = from; lo < from + size; lo += g.tp()) {
                    int hi = lo + g.tp() - 1;
                    NodeProfile last = nodeOf.get(hi);
                    if (!first.device().name().equals(last.device().name())
                            || !first.device().name().equals(nodeOf.get(lo).device().name())) {
                        throw new ScenarioException(at, String.format(Locale.ROOT, "%s spans two device types (%s, %s)",
                                which, first.device().name(), last.device().name()), "a replica stays on one device type "
                                + "and each pipeline stage on one node: adjust the groups' replicas, tp and pp to the node "
                                + "boundaries");
                    }
                    if (!nodeIndex.get(lo).equals(nodeIndex.get(hi))) {
                        throw new ScenarioException(at, String.format(Locale.ROOT, "%s spans two %s nodes of %d devices "
                                + "within one %s", which, nodeOf.get(lo).name(), nodeOf.get(lo).deviceCount(),
                                g.pp() > 1 ? "pipeline stage" : g.attentionDp() > 1 ? "attention group"
                                        : "tensor-parallel group"),
                                "tensor parallelism stays inside one node: use tp ≤ devices per node"
                                        + (g.pp() > 1 || g.attentionDp() > 1 ? " and a tp dividing them" : ""));
                    }
                }
                if (!scaleOut && !nodeIndex.get(from).equals(nodeIndex.get(from + size - 1))) {
                    throw new ScenarioException(at, g.pp() > 1 ? String.format(Locale.ROOT, "%s has pipeline stages on "
                            + "different nodes, but the cluster has no scale-out network for their activations", which)
                            : String.format(Locale.ROOT, "%s: expert parallelism over %d devices spans several %s nodes "
                            + "of %d, but the cluster has no scale-out network", which, size, first.name(),
                            first.deviceCount()), "add cluster.scale-out: { topology: …, nic: … }, or keep "
                            + (g.pp() > 1 ? "tp × pp" : "attention-dp × tp") + " within one node");
                }
                if (checked.add(first.name())) {
                    ScenarioLoader.checkCombination(null, strategy, List.of(new Cluster.NodeGroup(first, 1)), model, gc, 1,
                            at, at, g.tp(), item.label());
                }
                if (spec != null && !spec.onTargetDevices()) {
                    checkDraft(strategy, spec, model, gc, first, (int) needed + replica, nodeOf, nodeIndex, from, scaleOut);
                }
            }
        }
    }

    /** A draft off the target's devices: reachable, with math in a precision it has, and fitting in its memory. */
    private static void checkDraft(Fields strategy, Speculation spec, ModelSpec model, ServingConfig c, NodeProfile target,
                                   int spare, List<NodeProfile> nodeOf, List<Integer> nodeIndex, int targetDevice,
                                   boolean scaleOut) {
        Location at = strategy.locationOf("speculative");
        boolean cpu = spec.device() == Speculation.DraftDevice.HOST_CPU;
        DeviceProfile device;
        if (cpu) {
            device = target.cpu();
            if (device == null || device.memory() == null || target.hostLink() == null || target.hostMemory() == null) {
                throw new ScenarioException(at, "node template '" + target.name() + "' has no host CPU with memory and "
                        + "host link for the draft model", "use speculative.device: same or spare");
            }
        } else {
            device = nodeOf.get(spare).device();
            if (!nodeIndex.get(spare).equals(nodeIndex.get(targetDevice)) && !scaleOut) {
                throw new ScenarioException(at, "the draft model's spare device is on another node than its target, and "
                        + "the cluster has no scale-out network", "add cluster.scale-out, or leave a spare device on the "
                        + "target's node");
            }
        }
        if (device.peakFlopsPerSecond(c.activations()) <= 0 && device.peakFlopsPerSecond(Precision.FP32) <= 0) {
            throw new ScenarioException(at, device.name() + " has neither " + c.activations().yamlName() + " nor fp32 "
                    + "math for the draft model", "use speculative.device: same");
        }
        try {
            long kvTokens = (long) MemoryPlan.plan(model, target.device(), c).kvBlocks() * c.scheduler().blockTokens();
            MemoryPlan.checkRemoteDraft(spec.draft(), device, c, kvTokens, cpu);
        } catch (InfeasibleConfigurationException e) {
            throw new ScenarioException(at, e.getMessage(), e.hint());
        }
    }
}
