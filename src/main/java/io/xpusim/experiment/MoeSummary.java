package io.xpusim.experiment;

import io.xpusim.metrics.ExpertCacheStats;
import io.xpusim.metrics.ExpertLoad;
import io.xpusim.scenario.Scenario;
import io.xpusim.serving.ExpertOffload;
import io.xpusim.serving.MoeServing;
import io.xpusim.serving.Replica;
import io.xpusim.serving.ServingConfig;
import io.xpusim.serving.ServingSimulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code metrics.moe} block of a serving run of a mixture-of-experts model. */
final class MoeSummary {
    private MoeSummary() {
    }

    static Map<String, Object> of(Scenario s, ServingSimulator sim) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        var spec = s.model().moe();
        MoeServing moe = s.serving().moe();
        m.put("experts", (long) spec.experts());
        m.put("top_k", (long) spec.topK());
        m.put("shared_experts", (long) spec.sharedExperts());
        m.put("moe_layers", (long) s.model().moeLayers());
        ServingConfig main = s.disaggregation() == null ? s.serving() : s.disaggregation().decodeConfig(s.serving());
        m.put("ep", (long) main.moe().ep());
        m.put("attention_dp", (long) main.attentionDp());
        m.put("placement", moe.placement());
        m.put("redundant_experts", (long) moe.redundantExperts());
        m.put("overlap", moe.overlap());
        LinkedHashMap<String, Object> routing = new LinkedHashMap<>();
        if (moe.routingTrace() != null) {
            routing.put("trace", moe.routingTrace());
        } else {
            routing.put("skew", moe.skew());
            routing.put("locality", moe.locality());
        }
        m.put("routing", routing);
        List<Replica> all = sim.replicas();
        m.putAll(block(all, sim));
        ExpertOffload offload = main.moe().offload();
        if (offload == null) {
            // every expert is resident in device memory: there is no expert cache to hit or miss
            m.put("expert_cache_hit_rate", null);
            m.put("expert_stall_s", 0.0);
        } else {
            ExpertCacheStats st = new ExpertCacheStats();
            sim.recorder().expertCaches().values().forEach(st::merge);
            m.put("expert_cache_hit_rate", st.accesses() == 0 ? null : st.hitRate());
            m.put("expert_stall_s", st.stallSeconds());
            m.put("expert_offload", offloadBlock(s, offload, st));
        }
        if (s.disaggregation() != null) {
            LinkedHashMap<String, Object> roles = new LinkedHashMap<>();
            for (Replica.Role role : List.of(Replica.Role.PREFILL, Replica.Role.DECODE)) {
                List<Replica> pool = all.stream().filter(r -> r.role() == role).toList();
                ServingConfig c = role == Replica.Role.PREFILL ? s.disaggregation().prefillConfig(s.serving()) : main;
                LinkedHashMap<String, Object> row = new LinkedHashMap<>();
                row.put("ep", (long) c.moe().ep());
                row.put("attention_dp", (long) c.attentionDp());
                row.put("tp", (long) c.tp());
                row.putAll(block(pool, sim));
                roles.put(role.yamlName(), row);
            }
            m.put("per_role", roles);
        }
        return m;
    }

    /** What expert offloading did: where accesses were served, prefetches, bytes from the tier, CPU and dequant time. */
    private static Map<String, Object> offloadBlock(Scenario s, ExpertOffload o, ExpertCacheStats st) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("tier", o.tier());
        m.put("cache_policy", o.cachePolicy());
        m.put("cache_experts", (long) o.cacheSlots(s.model()));
        if (o.cachePerLayer() >= 0) {
            m.put("cache_experts_per_layer", (long) o.cachePerLayer());
        }
        m.put("prefetch_accuracy", o.prefetch() ? o.prefetchAccuracy() : null);
        m.put("cold_precision", o.coldPrecision() == null ? null : o.coldPrecision().yamlName());
        m.put("cpu_compute", o.cpuCompute());
        m.put("accesses", st.accesses());
        m.put("hits", st.count(ExpertCacheStats.Outcome.HIT));
        m.put("prefetched", st.count(ExpertCacheStats.Outcome.PREFETCHED));
        m.put("fetched_on_demand", st.count(ExpertCacheStats.Outcome.FETCHED));
        m.put("cpu_computed", st.count(ExpertCacheStats.Outcome.CPU));
        m.put("prefetches_issued", st.prefetchesIssued());
        m.put("prefetches_wasted", st.prefetchesWasted());
        m.put("tier_read_bytes", st.tierReadBytes());
        m.put("cpu_expert_s", st.cpuSeconds());
        m.put("dequant_s", st.dequantSeconds());
        return m;
    }

    /** Imbalance, time and per-device throughput over {@code replicas}. */
    private static Map<String, Object> block(List<Replica> replicas, ServingSimulator sim) {
        ExpertLoad total = merged(replicas, sim);
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("load_imbalance", total.expertImbalance());
        m.put("rank_imbalance", total.rankImbalance());
        m.put("all_to_all_time_s", total.allToAllSeconds());
        m.put("all_to_all_exposed_s", total.allToAllExposedSeconds());
        m.put("all_to_all_bytes", total.allToAllBytes());
        m.put("all_to_all_time_share", total.iterationSeconds() == 0 ? 0.0
                : total.allToAllExposedSeconds() / total.iterationSeconds());
        m.put("expert_compute_s", total.expertCriticalSeconds());
        m.put("expert_straggler_s", total.expertStragglerSeconds());
        double prefillDeviceSeconds = 0;
        double decodeDeviceSeconds = 0;
        long prefillTokens = 0;
        long decodeTokens = 0;
        for (Replica r : replicas) {
            prefillDeviceSeconds += r.prefillBusySeconds() * r.devices().size();
            decodeDeviceSeconds += r.decodeBusySeconds() * r.devices().size();
            prefillTokens += r.prefillTokensRun();
            decodeTokens += r.decodeTokensRun();
        }
        m.put("prefill_tokens_per_busy_s_per_device", prefillDeviceSeconds == 0 ? 0.0 : prefillTokens / prefillDeviceSeconds);
        m.put("decode_tokens_per_busy_s_per_device", decodeDeviceSeconds == 0 ? 0.0 : decodeTokens / decodeDeviceSeconds);
        List<Object> perExpert = new ArrayList<>();
        for (double t : total.tokensPerExpert()) {
            perExpert.add(t);
        }
        m.put("tokens_per_expert", perExpert);
        return m;
    }

    private static ExpertLoad merged(List<Replica> replicas, ServingSimulator sim) {
        ExpertLoad total = null;
        for (Replica r : replicas) {
            ExpertLoad l = sim.recorder().expertLoads().get(r.name());
            if (total == null) {
                total = new ExpertLoad(l.tokensPerExpert().length, l.tokensPerRank().length);
            }
            total.merge(l);
        }
        return total;
    }
}
