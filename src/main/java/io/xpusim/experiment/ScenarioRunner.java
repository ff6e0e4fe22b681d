package io.xpusim.experiment;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.kernel.RandomStreams;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.LatencySummary;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.metrics.TokenGapHistogram;
import io.xpusim.metrics.SloAttainment;
import io.xpusim.report.CollectiveCharts;
import io.xpusim.report.CsvWriter;
import io.xpusim.report.LinkCharts;
import io.xpusim.report.TraceWriter;
import io.xpusim.report.JsonWriter;
import io.xpusim.report.Provenance;
import io.xpusim.report.RunReport;
import io.xpusim.report.ServingCharts;
import io.xpusim.report.TierCharts;
import io.xpusim.report.YamlTreeWriter;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.OutputSpec;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioKind;
import io.xpusim.serving.KvCache;
import io.xpusim.serving.MemoryPlan;
import io.xpusim.serving.PrefixCache;
import io.xpusim.serving.Replica;
import io.xpusim.serving.ServingConfig;
import io.xpusim.serving.ServingSetup;
import io.xpusim.serving.ServingSimulator;
import io.xpusim.workload.RequestSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** Runs one scenario end to end — build, simulate, check invariants, summarise — and writes its outputs. */
public final class ScenarioRunner {
    public static final String SUMMARY_SCHEMA = "xpusim-summary/v1";
    public static final String FIDELITY = "analytic-iteration: each iteration's kernels costed by roofline and run as one "
            + "activity on its devices; tensor-parallel all-reduces as ring flows on the scale-up links through the "
            + "max-min fair-share solver; host launch overhead overlapped with device time";
    private static final long PROGRESS_CHUNK_EVENTS = 1L << 21;
    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    private ScenarioRunner() {
    }

    /** Simulates {@code s}; progress lines go to {@code progress} (null for none). */
    public static RunResult simulate(Scenario s, RunLimits limits, PrintStream progress) {
        return simulate(s, limits, progress, false);
    }

    /**
     * Simulates {@code s} for its summary alone, as sweeps and plans do: without per-run charts, whatever the
     * scenario's {@code outputs.charts} (so without the link recording only they need), no trace, no progress.
     * The summary is the same as a full run's.
     */
    public static RunResult simulateForSummary(Scenario s) {
        OutputSpec o = s.outputs();
        Scenario quiet = o.charts() ? withOutputs(s, new OutputSpec(o.sampleIntervalPicos(), false)) : s;
        return simulate(quiet, RunLimits.NONE, null, false);
    }

    private static Scenario withOutputs(Scenario s, OutputSpec o) {
        return new Scenario(s.name(), s.description(), s.seed(), s.file(), s.kind(), s.nodes(), s.scaleOut(), s.model(),
                s.workload(), s.serving(), s.replicas(), s.router(), s.slo(), s.collective(), s.training(), o,
                s.resolvedYaml(), s.disaggregation(), s.replicaGroups());
    }

    /** Simulates {@code s}, also recording a Perfetto trace when {@code trace}. */
    public static RunResult simulate(Scenario s, RunLimits limits, PrintStream progress, boolean trace) {
        if (s.kind() == ScenarioKind.COLLECTIVE) {
            return CollectiveRunner.run(s, limits, trace);
        }
        if (s.kind() == ScenarioKind.TRAINING) {
            return TrainingRunner.run(s, limits, progress, trace);
        }
        if (s.kind() == ScenarioKind.ITERATION) {
            return IterationRunner.run(s, limits);
        }
        long wallStart = System.nanoTime();
        Cluster cluster = Cluster.build(s.nodes(), s.scaleOut());
        NodeProfile node = s.nodes().get(0).profile();
        ServingSetup setup = new ServingSetup(cluster, s.model(), s.serving(), s.replicas(), s.router(), node.cpu(),
                s.disaggregation(), s.replicaGroups() == null ? List.of() : s.replicaGroups());
        RandomStreams random = new RandomStreams(s.seed());
        StopReason stop;
        ServingSimulator sim;
        FabricRecorder fabric;
        long skipped;
        try (RequestSource source = s.workload().open(random)) {
            sim = new ServingSimulator(setup, source, s.outputs().sampleIntervalPicos());
            fabric = trace || s.outputs().charts() ? new FabricRecorder(cluster.linkResources(), trace) : null;
            sim.solver().setObserver(fabric);
            stop = runWithProgress(sim, limits, wallStart, progress);
            skipped = source.skippedLines();
        }
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        TierReport tiers = TierReport.of(cluster, sim.memoryTiers(), sim.simulation().now());
        checkInvariants(s, sim, stop, tiers);
        LinkedHashMap<String, Object> summary = summary(s, sim, stop, wallSeconds, skipped);
        @SuppressWarnings("unchecked")
        LinkedHashMap<String, Object> metrics = (LinkedHashMap<String, Object>) summary.get("metrics");
        OffloadSummary.serving(s, sim, tiers, metrics, (LinkedHashMap<String, Object>) summary.get("setup"));
        addTraceInfo(summary, fabric, trace);
        return new RunResult(s, sim.recorder(), null, trace ? fabric.slices() : null,
                fabric == null ? null : fabric.utilisation(sim.simulation().now(), LINK_BINS, LINK_ROWS), stop, summary,
                null, null, tiers);
    }

    /** Time bins and rows of the link-utilisation heat map. */
    static final int LINK_BINS = 120;
    static final int LINK_ROWS = 24;

    /** Says in the summary how many trace slices were kept and dropped. */
    static void addTraceInfo(LinkedHashMap<String, Object> summary, FabricRecorder fabric, boolean trace) {
        if (trace && fabric != null) {
            LinkedHashMap<String, Object> t = new LinkedHashMap<>();
            t.put("slices", (long) fabric.slices().size());
            t.put("slices_dropped", fabric.droppedSlices());
            summary.put("trace", t);
        }
    }

    private static StopReason runWithProgress(ServingSimulator sim, RunLimits limits, long wallStart, PrintStream progress) {
        long lastPrint = wallStart;
        long eventsLeft = limits.maxEvents();
        StopReason stop;
        boolean first = true;
        while (true) {
            long chunk = Math.min(PROGRESS_CHUNK_EVENTS, eventsLeft);
            long wallLeft = limits.maxWallNanos() == Long.MAX_VALUE ? Long.MAX_VALUE
                    : limits.maxWallNanos() - (System.nanoTime() - wallStart);
            if (wallLeft <= 0) {
                stop = StopReason.WALL_LIMIT;
                break;
            }
            long before = sim.simulation().eventsProcessed();
            stop = first ? sim.run(chunk, wallLeft) : sim.simulation().run(Long.MAX_VALUE, chunk, wallLeft);
            first = false;
            eventsLeft -= sim.simulation().eventsProcessed() - before;
            if (stop != StopReason.EVENT_LIMIT || eventsLeft <= 0) {
                break;
            }
            long now = System.nanoTime();
            if (progress != null && now - lastPrint > PROGRESS_EVERY_NANOS) {
                progress.printf(Locale.ROOT, "  … simulated %.1f s, %d requests done, %.1f M events%n",
                        sim.simulation().now() / 1e12, sim.recorder().requests().size(),
                        sim.simulation().eventsProcessed() / 1e6);
                lastPrint = now;
            }
        }
        return stop;
    }

    /** Cheap end-of-run checks; a failure is a simulator bug, reported with the seed to reproduce it. */
    private static void checkInvariants(Scenario s, ServingSimulator sim, StopReason stop, TierReport tiers) {
        List<String> broken = new ArrayList<>(tiers.overCapacity());
        broken.addAll(sim.kvOffloadViolations(stop == StopReason.DRAINED));
        if (stop == StopReason.DRAINED) {
            broken.addAll(tiers.mediaMismatches()); // before draining, transfers in flight are booked but not carried
        }
        long recorded = sim.recorder().requests().size();
        long inFlight = sim.replicas().stream().mapToLong(Replica::inFlight).sum();
        if (recorded + inFlight != sim.arrivals()) {
            broken.add("requests not conserved: " + sim.arrivals() + " arrived, " + recorded + " finished or dropped, "
                    + inFlight + " in flight");
        }
        if (stop == StopReason.DRAINED && inFlight != 0) {
            broken.add(inFlight + " requests still in flight after the event queue drained");
        }
        for (Replica r : sim.replicas()) {
            for (KvCache kv : r.kvCaches()) {
                if (kv.peakUsedBlocks() > kv.totalBlocks()) {
                    broken.add(r.name() + " KV cache peaked above capacity");
                }
                if (stop == StopReason.DRAINED && kv.usedBlocks() != 0) {
                    broken.add(r.name() + " still holds " + kv.usedBlocks() + " KV blocks after draining");
                }
                if (kv.peakOccupiedBlocks() > kv.totalBlocks()) {
                    broken.add(r.name() + " KV cache used + cached blocks peaked above capacity");
                }
                PrefixCache pc = kv.prefixCache();
                if (pc != null && stop == StopReason.DRAINED && (pc.totalRefs() != 0 || pc.pinnedBlocks() != 0)) {
                    broken.add(r.name() + " prefix cache still has " + pc.totalRefs() + " references (" + pc.pinnedBlocks()
                            + " pinned blocks) after draining");
                }
            }
        }
        for (Resource res : sim.resources()) {
            if (res.peakRate() > res.capacityPerSecond() * (1 + 1e-9)) {
                broken.add("resource " + res.name() + " ran above capacity: " + res.peakRate() + " > " + res.capacityPerSecond());
            }
        }
        if (stop == StopReason.DRAINED && Math.abs(sim.collectives().bytesSent() - sim.collectives().bytesDelivered())
                > 1e-6 * Math.max(1, sim.collectives().bytesSent())) {
            broken.add("collective bytes not conserved: sent " + sim.collectives().bytesSent() + ", delivered "
                    + sim.collectives().bytesDelivered());
        }
        if (sim.disaggregated() && stop == StopReason.DRAINED && Math.abs(sim.kvTransferBytes() - sim.kvHandOffBytes())
                > 1e-6 * Math.max(1, sim.kvHandOffBytes())) {
            broken.add("KV bytes transferred (" + sim.kvTransferBytes() + ") differ from the prompt KV bytes of the "
                    + sim.handOffs() + " handed-off requests (" + sim.kvHandOffBytes() + ")");
        }
        if (!broken.isEmpty()) {
            throw new InvariantViolation(String.join("; ", broken) + " — scenario " + s.file() + ", seed " + s.seed());
        }
    }

    private static LinkedHashMap<String, Object> summary(Scenario s, ServingSimulator sim, StopReason stop,
                                                         double wallSeconds, long skippedLines) {
        ServingRecorder rec = sim.recorder();
        List<RequestRecord> done = rec.requests().stream().filter(RequestRecord::completed).toList();
        double simSeconds = sim.simulation().now() / 1e12;
        long outTokens = done.stream().mapToLong(RequestRecord::outputTokens).sum();
        long inTokens = done.stream().mapToLong(RequestRecord::inputTokens).sum();
        Map<String, Long> dropReasons = new TreeMap<>();
        for (RequestRecord r : rec.requests()) {
            if (!r.completed()) {
                String reason = r.dropReason();
                int colon = reason.indexOf(':');
                dropReasons.merge(colon > 0 ? reason.substring(0, colon) : reason, 1L, Long::sum);
            }
        }
        MemoryPlan mem = sim.memoryPlan();
        long preemptions = sim.replicas().stream().mapToLong(Replica::preemptions).sum();
        double busy = 0;
        int devices = 0;
        for (Replica r : sim.replicas()) {
            for (var d : r.devices()) {
                busy += d.compute().utilisation(sim.simulation().now());
                devices++;
            }
        }

        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("requests_completed", (long) done.size());
        m.put("requests_dropped", (long) (rec.requests().size() - done.size()));
        m.put("throughput_output_tokens_per_s", simSeconds > 0 ? outTokens / simSeconds : 0.0);
        m.put("throughput_requests_per_s", simSeconds > 0 ? done.size() / simSeconds : 0.0);
        m.put("ttft_s", latency(done, RequestRecord::ttftSeconds));
        m.put("tpot_s", latency(done, RequestRecord::tpotSeconds));
        m.put("e2e_s", latency(done, RequestRecord::e2eSeconds));
        m.put("tbt_s", tbt(rec.tokenGaps()));
        // the fullest cache of any replica (engine, with pp > 1), as a fraction of its own capacity
        double kvPeakFraction = 0;
        for (Replica r : sim.replicas()) {
            for (KvCache kv : r.kvCaches()) {
                kvPeakFraction = Math.max(kvPeakFraction, kv.totalBlocks() == 0 ? 0 : kv.peakUsedBlocks() / (double) kv.totalBlocks());
            }
        }
        m.put("kv_cache_peak_fraction", kvPeakFraction);
        m.put("preemptions", preemptions);
        m.put("input_tokens_completed", inTokens);
        m.put("output_tokens_completed", outTokens);
        m.put("iterations", rec.iterationCount());
        m.put("device_utilisation", devices == 0 ? 0.0 : busy / devices);
        HostUsage.put(m, sim);
        if (s.serving().offload().any()) {
            HostUsage.putOffload(m, sim, s.serving().offload().attentionOffloaded());
        }
        m.put("drop_reasons", new LinkedHashMap<>(dropReasons));
        if (s.serving().scheduler().prefixCaching()) {
            long prompt = 0;
            long hit = 0;
            long evictions = 0;
            for (Replica r : sim.replicas()) {
                for (KvCache kv : r.kvCaches()) {
                    PrefixCache pc = kv.prefixCache();
                    prompt += pc.promptTokens();
                    hit += pc.hitTokens();
                    evictions += pc.evictions();
                }
            }
            m.put("prefix_cache_hit_rate", prompt == 0 ? 0.0 : hit / (double) prompt);
            m.put("prefix_cache_saved_tokens", hit);
            m.put("prefix_cache_evictions", evictions);
        }
        if (s.serving().speculation() != null) {
            long proposed = 0;
            long accepted = 0;
            long verifications = 0;
            long emitted = 0;
            for (var r : sim.replicas()) {
                proposed += r.speculativeProposed();
                accepted += r.speculativeAccepted();
                verifications += r.speculativeVerifications();
                emitted += r.speculativeEmitted();
            }
            m.put("spec_decode_acceptance", proposed == 0 ? 0.0 : accepted / (double) proposed);
            m.put("spec_decode_tokens_per_step", verifications == 0 ? 0.0 : emitted / (double) verifications);
            m.put("spec_decode_expected_tokens_per_step", s.serving().speculation().expectedTokensPerStep());
            m.put("spec_decode_verifications", verifications);
            m.put("spec_decode_tokens_emitted", emitted);
        }
        if (sim.disaggregated()) {
            m.put("kv_transfer_bytes", sim.kvTransferBytes());
            m.put("kv_handoffs", sim.handOffs());
            if (!sim.sameGpu()) {
                double[] exposed = sim.kvTransferExposedSeconds();
                LinkedHashMap<String, Object> ex = new LinkedHashMap<>(latencyOf(exposed));
                ex.put("max", java.util.Arrays.stream(exposed).max().orElse(Double.NaN));
                m.put("kv_transfer_exposed_s", ex);
            }
        }
        if (s.model().isMoe()) {
            m.put("moe", MoeSummary.of(s, sim));
        }
        m.put("per_replica", perReplica(s, sim, done));
        if (s.slo().hasPerRequestTargets()) {
            m.put("slo_attainment", attainment(s, rec.requests(), "ttft", "tpot", "e2e"));
        }
        if (!s.slo().isEmpty()) {
            m.put("slo", slo(s, done, rec.requests(), rec.tokenGaps()));
        }
        if (skippedLines > 0) {
            m.put("trace_lines_skipped", skippedLines);
        }

        LinkedHashMap<String, Object> setup = new LinkedHashMap<>();
        setup.put("model", s.model().name());
        ServingLayoutSummary.addLayout(setup, s, sim);
        setup.put("replicas", (long) sim.replicas().stream().map(Replica::devices).distinct().count());
        setup.put("router", s.router());
        if (s.serving().speculation() != null) {
            var sp = s.serving().speculation();
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("draft", sp.draft().name());
            spec.put("tokens", (long) sp.tokens());
            spec.put("acceptance", sp.acceptance());
            spec.put("device", sp.device().yamlName());
            setup.put("speculative", spec);
        }
        if (s.disaggregation() != null) {
            var d = s.disaggregation();
            LinkedHashMap<String, Object> dis = new LinkedHashMap<>();
            dis.put("mode", d.mode().yamlName());
            if (d.sameGpu()) {
                dis.put("prefill_share", d.prefillShare());
            } else {
                dis.put("prefill_replicas", (long) d.prefillReplicas());
                putPoolTp(dis, "prefill_tp", d.prefill());
                dis.put("decode_replicas", (long) d.decodeReplicas());
                putPoolTp(dis, "decode_tp", d.decode());
                dis.put("devices", ServingLayoutSummary.devicesByPool(s));
                dis.put("kv_transfer", d.kvTransfer().yamlName());
                dis.put("decode_router", "least-outstanding");
            }
            setup.put("disaggregation", dis);
        }
        setup.put("scheduler", s.serving().scheduler().policy());
        // a replica of attention-dp groups holds that many devices' KV blocks (1 group unless MoE attention-DP)
        ServingConfig shown = s.disaggregation() == null ? s.serving() : s.disaggregation().decodeConfig(s.serving());
        if (shown.attentionDp() > 1) {
            setup.put("attention_dp", (long) shown.attentionDp());
        }
        if (s.serving().offload().any()) {
            setup.put("offload", HostUsage.offloadSetup(s.serving().offload(), mem));
        }

        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", SUMMARY_SCHEMA);
        root.put("scenario", s.name());
        root.put("kind", "serving");
        root.put("seed", s.seed());
        root.put("fidelity", s.serving().measuredCosts().isEmpty() ? FIDELITY
                : FIDELITY + "; operators listed in strategy.measured-costs use measured times instead of the roofline");
        root.put("complete", stop == StopReason.DRAINED);
        root.put("stop_reason", stop.name().toLowerCase(Locale.ROOT));
        root.put("simulated_time_s", simSeconds);
        root.put("wall_time_s", wallSeconds);
        root.put("events", sim.simulation().eventsProcessed());
        root.put("metrics", m);
        root.put("setup", setup);
        return root;
    }

    /** A pool's tp, when all its groups share one (the pool's rows in setup.replica_groups say the rest). */
    private static void putPoolTp(Map<String, Object> m, String key, List<io.xpusim.serving.ReplicaGroup> pool) {
        if (pool.stream().mapToInt(io.xpusim.serving.ReplicaGroup::tp).distinct().count() == 1) {
            m.put(key, (long) pool.get(0).tp());
        }
    }

    private static Map<String, Object> latency(List<RequestRecord> done, ToDoubleFunction<RequestRecord> f) {
        return latencyOf(done.stream().mapToDouble(f).toArray());
    }

    private static Map<String, Object> latencyOf(double[] values) {
        LatencySummary l = LatencySummary.of(values);
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("mean", l.mean());
        m.put("p50", l.p50());
        m.put("p90", l.p90());
        m.put("p99", l.p99());
        return m;
    }

    /** Per replica: its name, hardware, the requests it completed and its devices' busy fraction. */
    private static List<Object> perReplica(Scenario s, ServingSimulator sim, List<RequestRecord> done) {
        Map<String, Long> completed = new TreeMap<>();
        for (RequestRecord r : done) {
            completed.merge(r.replica(), 1L, Long::sum);
        }
        long now = sim.simulation().now();
        List<Object> out = new ArrayList<>();
        for (Replica r : sim.replicas()) {
            double busy = 0;
            for (var d : r.devices()) {
                busy += d.compute().utilisation(now);
            }
            LinkedHashMap<String, Object> hardware = new LinkedHashMap<>();
            hardware.put("device", r.devices().get(0).profile().name());
            hardware.put("tp", (long) r.tp());
            if (r.attentionGroups().size() > 1) {
                hardware.put("attention_dp", (long) r.attentionGroups().size());
            }
            if (r.pp() > 1) {
                hardware.put("pp", (long) r.pp());
            }
            if (r.computeShare() < 1) {
                hardware.put("compute_share", r.computeShare());
            }
            if (r.remoteDraft() != null) {
                hardware.put("draft_on", r.remoteDraft().where());
            }
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("name", r.name());
            if (sim.disaggregated()) {
                row.put("role", r.role().yamlName());
                if (r.role() == Replica.Role.PREFILL) {
                    row.put("handed_off", r.handedOff());
                }
            }
            row.put("hardware", hardware);
            row.put("requests", completed.getOrDefault(r.name(), 0L));
            // a same-GPU phase shares its devices with the other phase: its own work, not the devices' total
            row.put("utilisation", r.computeShare() < 1 ? ownBusy(r, now) : r.devices().isEmpty() ? 0.0 : busy / r.devices().size());
            row.put("host_thread_utilisation", HostUsage.threadUtilisation(r, now));
            if (r.pp() > 1) {
                List<Object> stages = new ArrayList<>();
                for (int st = 0; st < r.pp(); st++) {
                    double u = 0;
                    for (var d : r.stageDevices(st)) {
                        u += d.compute().utilisation(now);
                    }
                    LinkedHashMap<String, Object> stage = new LinkedHashMap<>();
                    stage.put("stage", (long) st);
                    stage.put("devices", r.stageDevices(st).stream().map(d -> d.name()).toList());
                    stage.put("utilisation", u / r.stageDevices(st).size());
                    stages.add(stage);
                }
                row.put("stages", stages);
            }
            if (r.remoteDraft() != null) {
                row.put("draft_busy_s", r.remoteDraft().busyDeviceSeconds());
            }
            out.add(row);
        }
        return out;
    }

    /** Busy fraction of a replica's own work on its devices (its stages' device-seconds over the run). */
    private static double ownBusy(Replica r, long now) {
        double seconds = 0;
        for (int st = 0; st < r.pp(); st++) {
            seconds += r.stageBusySeconds(st);
        }
        return now <= 0 ? 0 : seconds / r.pp() / (now / 1e12);
    }

    /** The fraction of all requests meeting every per-request target among {@code metrics}. */
    private static double attainment(Scenario s, List<RequestRecord> all, String... metrics) {
        List<String> use = List.of(metrics);
        return SloAttainment.fraction(all, use.contains("ttft") ? s.slo().perRequestSeconds("ttft") : Double.POSITIVE_INFINITY,
                use.contains("tpot") ? s.slo().perRequestSeconds("tpot") : Double.POSITIVE_INFINITY,
                use.contains("e2e") ? s.slo().perRequestSeconds("e2e") : Double.POSITIVE_INFINITY);
    }

    /** Time between tokens over all tokens: percentiles to one 2.3% histogram bin, exact max. */
    private static Map<String, Object> tbt(TokenGapHistogram h) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        out.put("p50", h.percentile(0.50));
        out.put("p90", h.percentile(0.90));
        out.put("p99", h.percentile(0.99));
        out.put("max", h.count() == 0 ? Double.NaN : h.maxSeconds());
        out.put("tokens", h.count());
        return out;
    }

    private static Map<String, Object> slo(Scenario s, List<RequestRecord> done, List<RequestRecord> all,
                                           TokenGapHistogram gaps) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        boolean allMet = true;
        for (Map.Entry<String, Double> e : s.slo().thresholdsSeconds().entrySet()) {
            String[] parts = e.getKey().split("-");
            if (parts[0].equals("tbt")) {
                // per token, from the run's token-gap histogram
                double v = gaps.percentile(parts[1].equals("p50") ? 0.5 : parts[1].equals("p90") ? 0.9 : 0.99);
                boolean met = v <= e.getValue();
                allMet &= met;
                LinkedHashMap<String, Object> row = new LinkedHashMap<>();
                row.put("target_s", e.getValue());
                row.put("actual_s", v);
                row.put("met", met);
                out.put(e.getKey(), row);
                continue;
            }
            ToDoubleFunction<RequestRecord> f = switch (parts[0]) {
                case "ttft" -> RequestRecord::ttftSeconds;
                case "tpot" -> RequestRecord::tpotSeconds;
                default -> RequestRecord::e2eSeconds;
            };
            LatencySummary l = LatencySummary.of(done.stream().mapToDouble(f).toArray());
            double v = switch (parts[1]) {
                case "mean" -> l.mean();
                case "p50" -> l.p50();
                case "p90" -> l.p90();
                default -> l.p99();
            };
            boolean met = v <= e.getValue();
            allMet &= met;
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("target_s", e.getValue());
            row.put("actual_s", v);
            row.put("met", met);
            out.put(e.getKey(), row);
        }
        if (s.slo().hasPerRequestTargets()) {
            for (Map.Entry<String, Double> e : s.slo().perRequestSeconds().entrySet()) {
                LinkedHashMap<String, Object> row = new LinkedHashMap<>();
                row.put("target_s", e.getValue());
                row.put("attained", attainment(s, all, e.getKey()));
                out.put(e.getKey(), row);
            }
            double actual = attainment(s, all, "ttft", "tpot", "e2e");
            boolean met = actual >= s.slo().attainment();
            allMet &= met;
            out.put("attainment_target", s.slo().attainment());
            out.put("attainment", actual);
            out.put("attainment_met", met);
        }
        out.put("all_met", allMet);
        return out;
    }

    /** Writes run.yaml, summary.json, requests.csv, timeseries.csv, replicas.csv, the charts and report.html into the folder's temp dir. */
    public static List<String> writeOutputs(RunResult r, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        YamlTreeWriter.write(dir.resolve("run.yaml"), "Resolved scenario: every profile inlined and every default filled.\n"
                + "Reproduce with: xpusim run run.yaml", r.scenario().resolvedYaml());
        files.add("run.yaml");
        JsonWriter.write(dir.resolve("summary.json"), r.summary());
        files.add("summary.json");
        if (r.trace() != null) {
            TraceWriter.write(dir.resolve("trace.json"), r.trace());
            files.add("trace.json");
        }
        boolean links = r.scenario().outputs().charts() && r.links() != null && !r.links().links().isEmpty();
        if (r.collectives() != null) {
            CsvWriter.collectives(dir.resolve("collectives.csv"), r.collectives());
            files.add("collectives.csv");
            if (r.scenario().outputs().charts()) {
                files.add(CollectiveCharts.busBandwidth(dir, r.scenario().name(), r.collectives()));
            }
            if (links) {
                files.add(LinkCharts.heatMap(dir, r.scenario().name(), r.links(), "during the last message size"));
            }
            return withReport(r, dir, files);
        }
        if (r.iterations() != null) {
            files.addAll(IterationOutputs.write(r, dir));
            return files;
        }
        if (links) {
            files.add(LinkCharts.heatMap(dir, r.scenario().name(), r.links(), ""));
        }
        if (r.training() != null) {
            files.addAll(TrainingOutputs.write(r, dir));
            return withReport(r, dir, files);
        }
        CsvWriter.requests(dir.resolve("requests.csv"), sortedById(r.recorder().requests()));
        files.add("requests.csv");
        CsvWriter.table(dir.resolve("timeseries.csv"), ServingRecorder.TIMESERIES_COLUMNS, r.recorder().timeseries());
        files.add("timeseries.csv");
        CsvWriter.replicas(dir.resolve("replicas.csv"), r.recorder().perReplica());
        files.add("replicas.csv");
        if (r.scenario().outputs().charts()) {
            files.addAll(ServingCharts.write(dir, r.scenario().name(), r.recorder()));
            files.add(io.xpusim.report.HostCharts.busy(dir, r.scenario().name(), r.recorder()));
            files.addAll(TierCharts.write(dir, r.scenario().name(), r.tiers().tiers(), r.tiers().linkClassBytes()));
        }
        return withReport(r, dir, files);
    }

    /** Adds report.html: the summary, every chart written, run.yaml and provenance, in one self-contained file. */
    private static List<String> withReport(RunResult r, Path dir, List<String> files) throws IOException {
        List<String> charts = files.stream().filter(f -> f.endsWith(".png") || f.endsWith(".svg")).toList();
        files.add(RunReport.write(dir, r.summary(), r.scenario().description(), charts, provenance(r.scenario())));
        return files;
    }

    /** Version and commit of this build, the seed and the hash of the resolved scenario. */
    public static Provenance provenance(Scenario s) {
        BuildInfo b = BuildInfo.current();
        return new Provenance(b.version(), b.commit(), Long.toString(s.seed()), ScenarioHash.of(s),
                "the resolved scenario (run.yaml's content)");
    }

    private static List<RequestRecord> sortedById(List<RequestRecord> records) {
        List<RequestRecord> sorted = new ArrayList<>(records);
        sorted.sort((a, b) -> Long.compare(a.id(), b.id()));
        return sorted;
    }
}
