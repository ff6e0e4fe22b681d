package io.xpusim.experiment;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.collective.TierTransfers;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Simulation;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.PipelineSlice;
import io.xpusim.metrics.StageMemory;
import io.xpusim.metrics.StageTime;
import io.xpusim.metrics.StepBreakdown;
import io.xpusim.metrics.TraceSlice;
import io.xpusim.metrics.TrainingRecord;
import io.xpusim.model.AttentionKernel;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.Recompute;
import io.xpusim.model.TrainingFlops;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.Scenario;
import io.xpusim.training.OffloadTiers;
import io.xpusim.training.ParallelPlan;
import io.xpusim.training.PipelineSchedule;
import io.xpusim.training.PipelineSchedules;
import io.xpusim.training.StepPlan;
import io.xpusim.training.StepPlanner;
import io.xpusim.training.TrainingSimulator;
import io.xpusim.training.TrainingSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Runs a training scenario: the step plan on the simulated cluster, then step time, FLOP rates, breakdown, memory. */
final class TrainingRunner {
    static final String FIDELITY_DETAIL = "one data-parallel replica's pipeline executed in detail (every stage's "
            + "passes costed by roofline per operator on its device type; tensor/context-parallel collectives and "
            + "pipeline sends as flows on routes); the other replicas are symmetric and not re-executed, but "
            + "gradient reductions run over the real data-parallel groups across the fabric";

    private TrainingRunner() {
    }

    static RunResult run(Scenario s, RunLimits limits, PrintStream progress, boolean trace) {
        long wallStart = System.nanoTime();
        TrainingSpec spec = s.training();
        ModelSpec model = s.model();
        PipelineSchedule schedule = PipelineSchedules.byName(spec.schedule());
        Cluster cluster = Cluster.build(s.nodes(), s.scaleOut());
        Simulation sim = new Simulation();
        FairShareSolver solver = new FairShareSolver(sim);
        FabricRecorder fabric = trace || s.outputs().charts() ? new FabricRecorder(cluster.linkResources(), trace) : null;
        if (fabric != null) {
            solver.setObserver(fabric);
        }
        CollectiveEngine engine = new CollectiveEngine(sim, solver, cluster);
        StepPlan plan = StepPlanner.plan(cluster, model, spec, schedule);
        TrainingSimulator training = new TrainingSimulator(sim, solver, engine, cluster, spec, plan);
        MemoryTiers tiers = new MemoryTiers(cluster.tierCapacities(), s.outputs().sampleIntervalPicos());
        List<StageMemory> memory = StepPlanner.memory(cluster, model, spec, schedule);
        OffloadTiers.placement(spec, plan, memory).forEach((tier, bytes) -> {
            if (tiers.has(tier)) {
                tiers.tier(tier).place(0, bytes);
            }
        });
        training.trackTiers(new TierTransfers(sim, solver, cluster), tiers);
        boolean[] finished = {false};
        training.start(() -> finished[0] = true);
        StopReason stop = sim.run(Long.MAX_VALUE, limits.maxEvents(), limits.maxWallNanos());
        if (progress != null) {
            progress.printf(Locale.ROOT, "simulated %d step(s) in %.1f s wall, %d events%n", training.stepSeconds().size(),
                    (System.nanoTime() - wallStart) / 1e9, sim.eventsProcessed());
        }
        if (stop == StopReason.DRAINED && !finished[0]) {
            throw new IllegalStateException("training step stalled: the pipeline schedule deadlocked (a bug)");
        }
        List<Double> steps = training.stepSeconds();
        double lastStart = training.lastStepStartSeconds();
        double stepEnd = steps.isEmpty() ? lastStart : lastStart + steps.get(steps.size() - 1);
        List<PipelineSlice> last = List.copyOf(training.slices());
        List<StageTime> times = new ArrayList<>();
        for (int st = 0; st < plan.stages().size(); st++) {
            times.add(StepBreakdown.of(st, last, lastStart, stepEnd));
        }
        TierReport tierReport = TierReport.of(cluster, tiers, sim.now());
        if (stop == StopReason.DRAINED) {
            checkInvariants(s, cluster, engine, plan, times, steps, tierReport);
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        LinkedHashMap<String, Object> summary = summary(s, cluster, plan, steps, times, memory, stop, wall,
                sim.eventsProcessed());
        @SuppressWarnings("unchecked")
        LinkedHashMap<String, Object> metrics = (LinkedHashMap<String, Object>) summary.get("metrics");
        tierReport.addTo(metrics);
        ScenarioRunner.addTraceInfo(summary, fabric, trace);
        List<TraceSlice> traceSlices = null;
        if (trace && fabric != null) {
            traceSlices = new ArrayList<>(fabric.slices());
            for (PipelineSlice p : training.slices()) {
                traceSlices.add(new TraceSlice("stage " + p.stage(), p.kind().name().toLowerCase(Locale.ROOT)
                        + (p.microBatch() >= 0 ? " mb" + p.microBatch() : "") + (p.chunk() >= 0 ? " c" + p.chunk() : ""),
                        Math.round(p.startSeconds() * 1e12), Math.round(p.endSeconds() * 1e12)));
            }
        }
        return new RunResult(s, null, null, traceSlices,
                fabric == null ? null : fabric.utilisation(sim.now(), ScenarioRunner.LINK_BINS, ScenarioRunner.LINK_ROWS),
                stop, summary, new TrainingRecord(last, times, memory, lastStart), null, tierReport);
    }

    private static void checkInvariants(Scenario s, Cluster cluster, CollectiveEngine engine, StepPlan plan,
                                        List<StageTime> times, List<Double> steps, TierReport tiers) {
        List<String> broken = new ArrayList<>(tiers.overCapacity());
        broken.addAll(tiers.mediaMismatches());
        if (steps.size() != s.training().steps()) {
            broken.add(steps.size() + " of " + s.training().steps() + " steps finished");
        }
        if (Math.abs(engine.bytesSent() - engine.bytesDelivered()) > 1e-6 * Math.max(1, engine.bytesSent())) {
            broken.add("bytes not conserved: sent " + engine.bytesSent() + ", delivered " + engine.bytesDelivered());
        }
        List<Resource> shared = new ArrayList<>(cluster.linkResources());
        shared.addAll(cluster.memoryResources());
        for (Resource r : shared) {
            if (r.peakRate() > r.capacityPerSecond() * (1 + 1e-9)) {
                broken.add("resource " + r.name() + " ran above capacity");
            }
        }
        for (Device d : cluster.devices()) {
            if (d.compute().peakRate() > 1 + 1e-9) {
                broken.add("device " + d.name() + " ran above 100% utilisation");
            }
        }
        double step = steps.isEmpty() ? 0 : steps.get(steps.size() - 1);
        for (StageTime t : times) {
            if (Math.abs(t.totalSeconds() - step) > 1e-9 * Math.max(1, step)) {
                broken.add("stage " + t.stage() + " breakdown sums to " + t.totalSeconds() + " s, step is " + step + " s");
            }
            StepPlan.Stage st = plan.stages().get(t.stage());
            double compute = 0;
            for (int c = 0; c < plan.virtualStages(); c++) {
                compute += s.training().microBatchesPerReplica() * (st.forwardSeconds()[c] + st.backwardSeconds()[c]
                        + st.recomputeSeconds()[c]);
            }
            if (Math.abs(t.computeSeconds() - compute) > 1e-6 * Math.max(1e-3, compute)) {
                broken.add("stage " + t.stage() + " computed " + t.computeSeconds() + " s, its passes cost " + compute + " s");
            }
        }
        if (!broken.isEmpty()) {
            throw new InvariantViolation(String.join("; ", broken) + " — scenario " + s.file() + ", seed " + s.seed());
        }
    }

    private static LinkedHashMap<String, Object> summary(Scenario s, Cluster cluster, StepPlan plan, List<Double> steps,
                                                         List<StageTime> times, List<StageMemory> memory, StopReason stop,
                                                         double wall, long events) {
        TrainingSpec spec = s.training();
        ModelSpec model = s.model();
        ParallelPlan p = spec.plan();
        double step = steps.isEmpty() ? Double.NaN : steps.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double peak = 0;
        for (Device d : cluster.devices()) {
            peak += d.profile().peakFlopsPerSecond(spec.precision());
        }
        int n = cluster.devices().size();
        double modelFlops = TrainingFlops.model(model, spec.globalBatch(), spec.sequenceLength());
        // with FlashAttention, selective recomputation reruns nothing extra (the kernel's backward already does)
        Recompute rerun = spec.recompute() == Recompute.SELECTIVE && spec.attention() == AttentionKernel.FUSED
                ? Recompute.NONE : spec.recompute();
        double hardwareFlops = TrainingFlops.hardware(model, spec.globalBatch(), spec.sequenceLength(), rerun);
        // a MoE token passes only its top-k experts: 6 · active parameters · tokens
        double sixN = TrainingFlops.sixN(model.activeParameterCount(), spec.tokensPerStep());

        LinkedHashMap<String, Object> tflops = new LinkedHashMap<>();
        tflops.put("megatron", hardwareFlops / step / n / 1e12);
        tflops.put("six_n", sixN / step / n / 1e12);
        tflops.put("model", modelFlops / step / n / 1e12);
        tflops.put("definitions", "megatron: Megatron-LM eq. 3 generalised — forward+backward matmul FLOPs with full s×s "
                + "attention, plus what recomputation reruns (" + rerun.yamlName() + "); six_n: 6·parameters·tokens (active parameters for MoE); "
                + "model: megatron without recomputation (MFU's numerator)");

        StageTime mean = StepBreakdown.mean(times);
        LinkedHashMap<String, Object> breakdown = new LinkedHashMap<>();
        double[] c = mean.components();
        for (int i = 0; i < c.length; i++) {
            breakdown.put(StageTime.NAMES.get(i), c[i]);
        }

        LinkedHashMap<String, Object> mem = new LinkedHashMap<>();
        for (StageMemory m : memory) {
            @SuppressWarnings("unchecked")
            Map<String, Object> prev = (Map<String, Object>) mem.get(m.device());
            if (prev == null || (double) prev.get("total") < m.totalBytes()) {
                LinkedHashMap<String, Object> e = new LinkedHashMap<>();
                e.put("stage", (long) m.stage());
                e.put("weights", m.weightsBytes());
                e.put("gradients", m.gradientsBytes());
                e.put("optimizer", m.optimizerBytes());
                e.put("activations", m.activationsBytes());
                e.put("total", m.totalBytes());
                e.put("capacity", m.capacityBytes());
                mem.put(m.device(), e);
            }
        }

        LinkedHashMap<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("step_time_s", step);
        metrics.put("steps", (long) steps.size());
        metrics.put("tokens_per_s", spec.tokensPerStep() / step);
        metrics.put("tflops_per_gpu", tflops);
        metrics.put("mfu", modelFlops / step / peak);
        metrics.put("hfu", hardwareFlops / step / peak);
        metrics.put("breakdown_s", breakdown);
        metrics.put("breakdown_note", "mean over pipeline stages; each stage's components add up to the step time");
        metrics.put("memory_bytes_per_device", mem);

        LinkedHashMap<String, Object> setup = new LinkedHashMap<>();
        setup.put("devices", (long) n);
        setup.put("parallelism", String.format(Locale.ROOT, "dp %d · tp %d · pp %d · cp %d (virtual stages %d%s)", p.dp(),
                p.tp(), p.pp(), p.cp(), p.virtualStages(), p.sequenceParallel() ? ", sequence parallel" : ""));
        setup.put("schedule", spec.schedule());
        setup.put("micro_batches_per_replica", (long) spec.microBatchesPerReplica());
        setup.put("zero", (long) spec.zeroStage());
        setup.put("recompute", spec.recompute().yamlName());
        setup.put("parameters", model.parameterCount());
        setup.put("tokens_per_step", spec.tokensPerStep());

        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", ScenarioRunner.SUMMARY_SCHEMA);
        root.put("scenario", s.name());
        root.put("kind", "training");
        root.put("seed", s.seed());
        root.put("fidelity", FIDELITY_DETAIL + (p.dp() > 1 ? "; symmetric replicas simulated once (dp " + p.dp() + ")" : ""));
        root.put("complete", stop == StopReason.DRAINED);
        root.put("stop_reason", stop.name().toLowerCase(Locale.ROOT));
        root.put("simulated_time_s", steps.stream().mapToDouble(Double::doubleValue).sum());
        root.put("wall_time_s", wall);
        root.put("events", events);
        root.put("metrics", metrics);
        root.put("setup", setup);
        return root;
    }
}
