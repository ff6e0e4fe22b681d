package io.xpusim.experiment;

import io.xpusim.hardware.Device;
import io.xpusim.scenario.Scenario;
import io.xpusim.serving.Disaggregation;
import io.xpusim.serving.MemoryPlan;
import io.xpusim.serving.Replica;
import io.xpusim.serving.ReplicaGroup;
import io.xpusim.serving.ServingConfig;
import io.xpusim.serving.ServingSimulator;
import io.xpusim.serving.Speculation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code setup} entries of a serving summary that describe where the replicas run, true for every layout: one row
 * per group of alike replicas (role, device type, tp, pp) with its memory plan (per pipeline stage when pp > 1), and the
 * top-level device, tp, pp and memory fields only where every group agrees on them.
 */
final class ServingLayoutSummary {
    private ServingLayoutSummary() {
    }

    /**
     * Devices a scenario's serving layout occupies: both pools under disaggregation, every replica group's, tp × pp per
     * replica, and one spare device per replica whose draft model runs on its own device. Same-GPU phases share theirs.
     */
    static int devicesUsed(Scenario s) {
        Disaggregation d = s.disaggregation();
        ServingConfig c = s.serving();
        int replicas;
        int devices;
        if (d != null && !d.sameGpu()) {
            devices = d.devices();
            replicas = d.prefillReplicas() + d.decodeReplicas();
        } else if (s.replicaGroups() != null && !s.replicaGroups().isEmpty()) {
            devices = s.replicaGroups().stream().mapToInt(ReplicaGroup::devices).sum();
            replicas = s.replicaGroups().stream().mapToInt(ReplicaGroup::replicas).sum();
        } else {
            devices = s.replicas() * c.devicesPerReplica();
            replicas = s.replicas();
        }
        Speculation spec = c.speculation();
        return devices + (spec != null && spec.device() == Speculation.DraftDevice.SPARE ? replicas : 0);
    }

    /** Devices per pool (prefill, decode) for disaggregated pools, else null. */
    static Map<String, Object> devicesByPool(Scenario s) {
        Disaggregation d = s.disaggregation();
        if (d == null || d.sameGpu()) {
            return null;
        }
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        out.put("prefill", (long) d.prefill().stream().mapToInt(ReplicaGroup::devices).sum());
        out.put("decode", (long) d.decode().stream().mapToInt(ReplicaGroup::devices).sum());
        return out;
    }

    /** Adds device, devices_used, tp, pp, layout, replica_groups and the uniform memory fields to {@code setup}. */
    static void addLayout(LinkedHashMap<String, Object> setup, Scenario s, ServingSimulator sim) {
        Map<String, Row> rows = new LinkedHashMap<>();
        Set<Device> devices = new LinkedHashSet<>();
        for (Replica r : sim.replicas()) {
            devices.addAll(r.devices());
            String device = r.devices().get(0).profile().name();
            String key = r.role() + "|" + device + "|" + r.tp() + "|" + r.pp() + "|" + r.attentionGroups().size() + "|"
                    + r.computeShare();
            rows.computeIfAbsent(key, k -> new Row(r, device, sim.memoryPlan(r))).replicas++;
        }
        int spare = 0;
        for (Replica r : sim.replicas()) {
            if (r.remoteDraft() != null && s.serving().speculation().device() == Speculation.DraftDevice.SPARE) {
                spare++;
            }
        }
        Set<String> deviceNames = new LinkedHashSet<>();
        Set<Integer> tps = new LinkedHashSet<>();
        Set<Integer> pps = new LinkedHashSet<>();
        Set<MemoryPlan> plans = new LinkedHashSet<>();
        List<String> words = new ArrayList<>();
        List<Object> groupRows = new ArrayList<>();
        for (Row row : rows.values()) {
            deviceNames.add(row.device);
            tps.add(row.tp);
            pps.add(row.pp);
            plans.add(row.plan);
            words.add(String.format(Locale.ROOT, "%s%d × %stp%d%s on %s", row.role == Replica.Role.COLOCATED ? ""
                    : row.role.yamlName() + " ", row.replicas, row.attentionDp > 1 ? "dp" + row.attentionDp + " " : "",
                    row.tp, row.pp > 1 ? " pp" + row.pp : "", row.device));
            groupRows.add(row.toMap(s));
        }
        setup.put("device", String.join(" + ", deviceNames));
        setup.put("devices_used", (long) (devices.size() + spare));
        if (tps.size() == 1) {
            setup.put("tp", (long) tps.iterator().next());
        }
        if (pps.size() == 1) {
            setup.put("pp", (long) pps.iterator().next());
        }
        setup.put("layout", String.join(" + ", words));
        setup.put("replica_groups", groupRows);
        Set<Integer> dps = new LinkedHashSet<>();
        rows.values().forEach(r -> dps.add(r.attentionDp));
        if (plans.size() == 1 && dps.size() == 1) {
            putMemory(setup, plans.iterator().next(), dps.iterator().next(), s.serving().scheduler().blockTokens());
        }
    }

    /** A plan's memory fields; a replica of {@code attentionDp} groups holds that many devices' KV blocks. */
    private static void putMemory(Map<String, Object> m, MemoryPlan p, int attentionDp, int blockTokens) {
        long blocks = Math.min(Integer.MAX_VALUE, (long) p.kvBlocks() * attentionDp);
        m.put("weight_bytes_per_device", p.weightBytes());
        m.put("activation_reserve_bytes_per_device", p.activationReserveBytes());
        m.put("kv_cache_bytes_per_device", p.kvBytes());
        m.put("kv_cache_blocks", blocks);
        m.put("kv_cache_tokens", blocks * blockTokens);
    }

    /** Alike replicas: same role, device type, tp, pp and compute share. */
    private static final class Row {
        final Replica.Role role;
        final String device;
        final int tp;
        final int pp;
        final int attentionDp;
        final double share;
        final MemoryPlan plan;
        final Replica first;
        int replicas;

        Row(Replica r, String device, MemoryPlan plan) {
            this.role = r.role();
            this.device = device;
            this.tp = r.tp();
            this.pp = r.pp();
            this.attentionDp = r.attentionGroups().size();
            this.share = r.computeShare();
            this.plan = plan;
            this.first = r;
        }

        Map<String, Object> toMap(Scenario s) {
            LinkedHashMap<String, Object> m = new LinkedHashMap<>();
            m.put("role", role.yamlName());
            m.put("replicas", (long) replicas);
            m.put("device", device);
            m.put("tp", (long) tp);
            m.put("pp", (long) pp);
            if (attentionDp > 1) {
                m.put("attention_dp", (long) attentionDp);
            }
            m.put("devices_per_replica", (long) attentionDp * tp * pp);
            if (share < 1) {
                m.put("compute_share", share);
            }
            putMemory(m, plan, attentionDp, s.serving().scheduler().blockTokens());
            if (pp > 1) {
                List<Object> stages = new ArrayList<>();
                List<MemoryPlan> per = MemoryPlan.stages(s.model(), first.devices().get(0).profile(),
                        s.serving().withParallelism(tp, pp));
                for (int i = 0; i < per.size(); i++) {
                    LinkedHashMap<String, Object> st = new LinkedHashMap<>();
                    st.put("stage", (long) i);
                    st.put("layers", (long) first.layersPerStage());
                    st.put("weight_bytes_per_device", per.get(i).weightBytes());
                    st.put("activation_reserve_bytes_per_device", per.get(i).activationReserveBytes());
                    st.put("kv_cache_blocks", (long) per.get(i).kvBlocks());
                    stages.add(st);
                }
                m.put("stages", stages);
                m.put("kv_cache_blocks_per_engine", (long) (plan.kvBlocks() / pp));
            }
            return m;
        }
    }
}
