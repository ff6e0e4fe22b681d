package io.xpusim.scenario;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.TierSpec;
import io.xpusim.serving.KvOffload;
import io.xpusim.serving.KvPlacements;
import io.xpusim.serving.MoeServing;
import io.xpusim.serving.OffloadConfig;
import io.xpusim.units.DataSize;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code scheduler.preemption} and {@code strategy.kv-offload}: preemption by swap to KV offload tiers that every
 * node of the cluster has, each with the KV bytes it sets aside per node (at most the tier's capacity there).
 */
final class KvOffloadLoader {
    static final List<String> PREEMPTION = List.of("recompute", "swap");

    private KvOffloadLoader() {
    }

    /**
     * The offload of a serving strategy, or null for preemption by recompute.
     *
     * @param s             the strategy mapping
     * @param sch           its scheduler mapping (where preemption is read)
     * @param policy        the batch scheduler's name
     * @param groups        the cluster's node groups
     * @param attentionDp   the replicas' attention groups (MoE attention data parallelism; 1 otherwise)
     * @param alsoOffloaded what strategy.offload moves off the devices (weights to host memory, attention with the KV cache)
     */
    static KvOffload load(Fields s, Fields sch, String policy, boolean prefixCaching, List<Cluster.NodeGroup> groups,
                          int attentionDp, OffloadConfig alsoOffloaded) {
        boolean offload = s.has("kv-offload");
        boolean swap = sch.choice("preemption", PREEMPTION, offload ? "swap" : "recompute").equals("swap");
        if (!swap) {
            if (offload) {
                throw new ScenarioException(s.locationOf("kv-offload"), "'" + s.qualified("kv-offload") + "' holds "
                        + "preempted KV, but scheduler.preemption is recompute", "set scheduler.preemption: swap, or "
                        + "remove kv-offload");
            }
            return null;
        }
        Location at = swapLocation(s, sch);
        if (!policy.equals("vllm") && !policy.equals("sarathi")) {
            throw new ScenarioException(at, "preemption by swap runs with the vllm or sarathi scheduler, not " + policy,
                    "the " + policy + " policy never preempts; use vllm or sarathi");
        }
        if (prefixCaching) {
            throw new ScenarioException(at, "preemption by swap with prefix caching is not supported yet",
                    "turn prefix-caching off or use preemption: recompute");
        }
        if (s.has("disaggregation")) {
            throw new ScenarioException(at, "preemption by swap with disaggregation is not supported yet",
                    "remove strategy.disaggregation or use preemption: recompute");
        }
        if (attentionDp > 1) {
            // each attention group holds its own sequences' KV: a swap would move one group's pages, not every rank's
            throw new ScenarioException(at, "preemption by swap with attention-dp " + attentionDp + " is not supported "
                    + "yet: a swap moves a request's KV from every rank of the replica, but with attention data "
                    + "parallelism only its own attention group holds it", "use preemption: recompute, or attention-dp: 1");
        }
        if (alsoOffloaded.attentionOffloaded()) {
            // the KV cache lives where attention runs, not in the GPU's memory that a swap frees
            throw new ScenarioException(at, "preemption by swap with strategy.offload.attention: "
                    + alsoOffloaded.attention() + " is not supported: the KV cache already lives in " + (alsoOffloaded
                    .attentionOnCpu() ? "host memory" : "the computational storage drives' flash") + ", so there is "
                    + "nothing to swap out of the GPU", "use preemption: recompute, or attention: none");
        }
        Fields o = s.optionalObject("kv-offload");
        List<String> tiers = new ArrayList<>();
        if (o.has("tiers")) {
            for (YamlNode item : o.list("tiers")) {
                if (!(item instanceof YamlNode.Scalar sc) || sc.isNull()) {
                    throw new ScenarioException(item.location(), "a kv-offload tier is a tier name like cpu or cxl, not "
                            + item.describe(), null);
                }
                String name = sc.text().strip();
                if (tiers.contains(name) || name.equals(TierSpec.DEVICE)) {
                    throw new ScenarioException(item.location(), name.equals(TierSpec.DEVICE) ? "'hbm' is where the KV "
                            + "cache lives; offload tiers are below it" : "tier '" + name + "' is listed twice", null);
                }
                requireEverywhere(item.location(), name, groups);
                refuseBesideStreamedWeights(item.location(), name, alsoOffloaded);
                tiers.add(name);
            }
            if (tiers.isEmpty()) {
                throw new ScenarioException(o.locationOf("tiers"), "'" + o.qualified("tiers") + "' is empty",
                        "list tiers fastest first, e.g. [cpu, cxl]");
            }
            o.putResolved("tiers", new ArrayList<Object>(tiers));
        } else {
            requireEverywhere(o.location(), TierSpec.HOST, groups);
            refuseBesideStreamedWeights(at, TierSpec.HOST, alsoOffloaded);
            tiers.add(TierSpec.HOST);
            o.putResolved("tiers", new ArrayList<Object>(tiers));
        }
        Map<String, Double> capacity = new LinkedHashMap<>();
        Fields cap = o.optionalObject("capacity");
        for (String tier : tiers) {
            double most = groups.stream().mapToDouble(g -> onNode(g.profile(), tier)).min().orElse(0);
            double bytes;
            if (cap.has(tier)) {
                bytes = cap.quantity(tier, DataSize::parse).bytes();
                if (!(bytes > 0) || bytes > most * (1 + 1e-12)) {
                    throw new ScenarioException(cap.locationOf(tier), String.format(Locale.ROOT, "'%s' is %.1f GiB; "
                            + "tier %s has %.1f GiB on a node", cap.qualified(tier), bytes / GIB, tier, most / GIB),
                            "give a positive size at most the tier's capacity");
                }
            } else {
                // with just preemption: swap, vLLM's own default (4 GiB of host memory per GPU); else the whole tier
                bytes = offload ? most : Math.min(most, KvOffload.VLLM_SWAP_SPACE_BYTES_PER_DEVICE
                        * groups.stream().mapToInt(g -> g.profile().deviceCount()).min().orElse(1));
                cap.putResolved(tier, String.format(Locale.ROOT, "%.0f B", bytes));
            }
            capacity.put(tier, bytes);
        }
        cap.finish();
        String placement = o.choice("policy", KvPlacements.names(), KvPlacements.DEFAULT);
        o.finish();
        return new KvOffload(tiers, capacity, placement);
    }

    /** Bytes of tier {@code tier} on one node of this template ({@link TierSpec#HOST}: its host memory). */
    private static double onNode(NodeProfile p, String tier) {
        if (tier.equals(TierSpec.HOST)) {
            return p.hostMemory() == null ? 0 : p.hostMemory().capacityBytes() * p.hostMemoryCount();
        }
        TierSpec t = p.tier(tier);
        return t == null ? 0 : t.capacityBytes();
    }

    /** Where preemption by swap is asked for: scheduler.preemption, else the kv-offload block. */
    static Location swapLocation(Fields s, Fields sch) {
        return sch.has("preemption") ? sch.locationOf("preemption") : s.locationOf("kv-offload");
    }

    /** Offloaded experts fill their tier (sized against it alone): swapped KV cannot share it yet. */
    static void refuseBesideExperts(Location at, KvOffload kv, MoeServing moe) {
        if (kv != null && moe != null && moe.offload() != null && kv.tiers().contains(moe.offload().tier())) {
            throw new ScenarioException(at, "swapping KV to tier '" + moe.offload().tier() + "', where "
                    + "strategy.moe.offload keeps the experts, is not supported yet: how the two share the tier is not "
                    + "modelled", "list another tier in kv-offload.tiers, or keep the experts in another tier");
        }
    }

    /** Streamed weights fill host memory (MemoryPlan sizes them against it alone): swapped KV cannot share it yet. */
    private static void refuseBesideStreamedWeights(Location at, String tier, OffloadConfig offload) {
        if (offload.weightsOnCpu() && tier.equals(TierSpec.HOST)) {
            throw new ScenarioException(at, "swapping KV to host memory while strategy.offload.weights: cpu streams the "
                    + "weights from it is not supported yet: how the two share the host memory is not modelled",
                    "swap to another tier, e.g. kv-offload.tiers: [cxl], or keep the weights on the GPU");
        }
    }

    private static void requireEverywhere(Location at, String tier, List<Cluster.NodeGroup> groups) {
        for (Cluster.NodeGroup g : groups) {
            if (onNode(g.profile(), tier) <= 0) {
                List<String> names = new ArrayList<>();
                if (g.profile().hostMemory() != null) {
                    names.add(TierSpec.HOST);
                }
                g.profile().tiers().forEach(t -> names.add(t.name()));
                throw new ScenarioException(at, "node template " + g.profile().name() + " has no memory tier '" + tier
                        + "'", names.isEmpty() ? "it has no tiers to offload to" : "its tiers: " + String.join(", ", names)
                        + (tier.equals(TierSpec.HOST) ? "" : "; add one under the node group's tiers"));
            }
        }
    }

    private static final double GIB = DataSize.BYTES_PER_GIB;
}
