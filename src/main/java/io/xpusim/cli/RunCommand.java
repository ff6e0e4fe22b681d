package io.xpusim.cli;

import io.xpusim.experiment.OutputFolder;
import io.xpusim.metrics.CollectiveRecord;
import io.xpusim.units.DataSize;
import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.scenario.Scenario;
import io.xpusim.units.QuantityFormatException;
import io.xpusim.units.TimeSpan;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xpusim run FILE}: simulate a scenario and write its results folder. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Simulate a scenario; write run.yaml, summary.json, CSVs and charts under results/.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ScenarioOptions scenario;

    @picocli.CommandLine.Mixin
    ChartFormatOption charts;

    @Option(names = "--out", paramLabel = "DIR", description = "Write exactly into DIR (must not exist or be empty).")
    Path out;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "results",
            description = "Root of the results tree (default: ${DEFAULT-VALUE}).")
    Path resultsRoot;

    @Option(names = "--max-events", paramLabel = "N", description = "Stop after N events; results are marked incomplete.")
    Long maxEvents;

    @Option(names = "--max-wall", paramLabel = "DURATION", description = "Stop after this much wall time, e.g. 30s.")
    String maxWall;

    @Option(names = "--trace", description = "Also write trace.json (Perfetto/Chrome trace: a track per device and "
            + "link, activities as slices; open in ui.perfetto.dev).")
    boolean trace;

    @Option(names = {"-q", "--quiet"}, description = "Print only where the results went.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        charts.apply();
        PrintWriter stdout = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Scenario s = scenario.load();
        RunLimits limits = limits();
        OutputFolder folder = openFolder(s); // before simulating: a bad --out fails fast
        Thread cleanup = new Thread(() -> {
            folder.discard();
            System.err.println("xpusim: interrupted; no results were written (the partial folder was removed)");
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            PrintStream progress = quiet ? null : System.err;
            long t1 = System.nanoTime();
            RunResult r = ScenarioRunner.simulate(s, limits, progress, trace);
            long t2 = System.nanoTime();
            List<String> files = ScenarioRunner.writeOutputs(r, folder.temp());
            folder.commit();
            long t3 = System.nanoTime();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            printSummary(stdout, r, folder.target(), files, new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9});
            return r.complete() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
        } finally {
            folder.discard();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // already shutting down, or already removed
            }
        }
    }

    private RunLimits limits() {
        long events = Long.MAX_VALUE;
        long wall = Long.MAX_VALUE;
        if (maxEvents != null) {
            if (maxEvents < 1) {
                throw new Main.UserError("--max-events must be at least 1");
            }
            events = maxEvents;
        }
        if (maxWall != null) {
            try {
                wall = TimeSpan.parse(maxWall).picos() / 1000;
            } catch (QuantityFormatException e) {
                throw new Main.UserError("--max-wall: " + e.getMessage() + " (" + e.hint() + ")");
            }
        }
        return new RunLimits(events, wall);
    }

    private OutputFolder openFolder(Scenario s) throws IOException {
        try {
            return out != null ? OutputFolder.exactly(out) : OutputFolder.underResults(resultsRoot, s.name(), s.seed());
        } catch (DirectoryNotEmptyException e) {
            throw new Main.UserError("--out " + out + " is not empty; refusing to mix runs (choose a new folder)");
        } catch (FileAlreadyExistsException e) {
            throw new Main.UserError("--out " + out + " exists and is not a folder");
        }
    }

    private void printSummary(PrintWriter w, RunResult r, Path where, List<String> files, double[] phases) {
        if (r.collectives() != null) {
            printCollectives(w, r, where, files, phases);
        } else if (r.training() != null) {
            printTraining(w, r, where, files, phases);
        } else if (r.iterations() != null) {
            printIterations(w, r, where, files, phases);
        } else {
            printServing(w, r, where, files, phases);
        }
    }

    private void printCollectives(PrintWriter w, RunResult r, Path where, List<String> files, double[] phases) {
        if (!quiet) {
            Map<String, Object> setup = castMap(r.summary().get("setup"));
            w.printf(Locale.ROOT, "%s: %d devices on %d node(s), scale-out: %s%n", r.scenario().name(),
                    (Long) setup.get("devices"), (Long) setup.get("nodes"), setup.get("scale_out"));
            if (!r.complete()) {
                w.printf(Locale.ROOT, "  INCOMPLETE: stopped by %s%n", r.summary().get("stop_reason"));
            }
            w.printf(Locale.ROOT, "  %-14s %-12s %6s %12s %12s %12s %12s%n", "op", "algorithm", "ranks", "size", "time",
                    "algbw GB/s", "busbw GB/s");
            for (CollectiveRecord c : r.collectives()) {
                w.printf(Locale.ROOT, "  %-14s %-12s %6d %12s %12s %12.2f %12.2f%n", c.op(), c.algorithm(), c.ranks(),
                        new DataSize(c.sizeBytes()).toString().replace(" ", ""), ms(c.timeSeconds()),
                        c.algbwBytesPerSecond() / 1e9, c.busbwBytesPerSecond() / 1e9);
            }
            w.printf(Locale.ROOT, "  wall time   load %.2f s, simulate %.2f s (%.2f M events), write %.2f s%n", phases[0],
                    phases[1], (Long) r.summary().get("events") / 1e6, phases[2]);
        }
        w.printf(Locale.ROOT, "wrote %s/ (%s)%n", where, String.join(", ", files));
    }

    private void printTraining(PrintWriter w, RunResult r, Path where, List<String> files, double[] phases) {
        Map<String, Object> sum = r.summary();
        Map<String, Object> m = castMap(sum.get("metrics"));
        Map<String, Object> setup = castMap(sum.get("setup"));
        if (!quiet) {
            w.printf(Locale.ROOT, "%s: %s on %d devices, %s, %s, %d micro-batches per replica%n", sum.get("scenario"),
                    r.scenario().model().name(), (Long) setup.get("devices"), setup.get("parallelism"), setup.get("schedule"),
                    (Long) setup.get("micro_batches_per_replica"));
            if (!r.complete()) {
                w.printf(Locale.ROOT, "  INCOMPLETE: stopped by %s%n", sum.get("stop_reason"));
            }
            Map<String, Object> tf = castMap(m.get("tflops_per_gpu"));
            w.printf(Locale.ROOT, "  step        %s, %.0f tokens/s%n", ms(m.get("step_time_s")), (Double) m.get("tokens_per_s"));
            w.printf(Locale.ROOT, "  TFLOP/s/GPU %.1f (Megatron formula, recompute counted), %.1f (6·N·tokens); MFU %.1f%%, HFU %.1f%%%n",
                    (Double) tf.get("megatron"), (Double) tf.get("six_n"), 100 * (Double) m.get("mfu"), 100 * (Double) m.get("hfu"));
            StringBuilder b = new StringBuilder();
            castMap(m.get("breakdown_s")).forEach((k, v) -> {
                if ((Double) v > 0) {
                    b.append(b.length() == 0 ? "" : ", ").append(k.replace('_', ' ')).append(' ').append(ms(v));
                }
            });
            w.printf(Locale.ROOT, "  time        %s%n", b);
            castMap(m.get("memory_bytes_per_device")).forEach((device, v) -> {
                Map<String, Object> e = castMap(v);
                w.printf(Locale.ROOT, "  memory      %s (stage %d): %.1f of %.1f GiB (weights %.1f, grads %.1f, optimizer %.1f, "
                        + "activations %.1f)%n", device, (Long) e.get("stage"), gib(e.get("total")), gib(e.get("capacity")),
                        gib(e.get("weights")), gib(e.get("gradients")), gib(e.get("optimizer")), gib(e.get("activations")));
            });
            w.printf(Locale.ROOT, "  wall time   load %.2f s, simulate %.2f s (%.2f M events), write %.2f s%n", phases[0],
                    phases[1], (Long) sum.get("events") / 1e6, phases[2]);
        }
        w.printf(Locale.ROOT, "wrote %s/ (%s)%n", where, String.join(", ", files));
    }

    private void printIterations(PrintWriter w, RunResult r, Path where, List<String> files, double[] phases) {
        if (!quiet) {
            w.printf(Locale.ROOT, "%s: one prefill iteration of %s per batch size, %d-token prompts%n", r.scenario().name(),
                    r.scenario().model().name(), r.scenario().iteration().promptTokens());
            if (!r.complete()) {
                w.printf(Locale.ROOT, "  INCOMPLETE: stopped by %s%n", r.summary().get("stop_reason"));
            }
            for (Object o : (List<?>) castMap(r.summary().get("metrics")).get("node_groups")) {
                Map<String, Object> g = castMap(o);
                double x = (Double) g.get("crossover_batch");
                w.printf(Locale.ROOT, "  %s (%s, host %s at single-thread speed %.2f): %s%n", g.get("node"), g.get("device"),
                        g.get("host_cpu"), (Double) g.get("single_thread_speed"), Double.isNaN(x)
                                ? "no crossover in range" : String.format(Locale.ROOT, "GPU-bound from batch ≈ %.1f", x));
                w.printf(Locale.ROOT, "    %6s %12s %12s %12s %5s%n", "batch", "host launch", "GPU", "iteration", "bound");
                for (Object po : (List<?>) g.get("points")) {
                    Map<String, Object> p = castMap(po);
                    w.printf(Locale.ROOT, "    %6d %12s %12s %12s %5s%n", (Long) p.get("batch"), ms(p.get("host_launch_s")),
                            ms(p.get("gpu_s")), ms(p.get("iteration_s")), p.get("bound"));
                }
            }
            w.printf(Locale.ROOT, "  wall time   load %.2f s, simulate %.2f s (%.2f M events), write %.2f s%n", phases[0],
                    phases[1], (Long) r.summary().get("events") / 1e6, phases[2]);
        }
        w.printf(Locale.ROOT, "wrote %s/ (%s)%n", where, String.join(", ", files));
    }

    private static double gib(Object bytes) {
        return (Double) bytes / DataSize.BYTES_PER_GIB;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private void printServing(PrintWriter w, RunResult r, Path where, List<String> files, double[] phases) {
        Map<String, Object> sum = r.summary();
        Map<String, Object> m = (Map<String, Object>) sum.get("metrics");
        Map<String, Object> setup = (Map<String, Object>) sum.get("setup");
        if (!quiet) {
            long replicas = (Long) setup.get("replicas");
            long devices = (Long) setup.get("devices_used");
            String router = replicas > 1 ? " behind " + setup.get("router") : "";
            if (setup.get("tp") instanceof Long tp && Long.valueOf(1).equals(setup.get("pp"))
                    && ((java.util.List<?>) setup.get("replica_groups")).size() == 1 && !setup.containsKey("disaggregation")) {
                // one kind of replica: the plain words
                w.printf(Locale.ROOT, "%s: %s on %d× %s (tp=%d, %d replica(s)%s, %s), %.1f s simulated%n", sum.get("scenario"),
                        setup.get("model"), devices, setup.get("device"), tp, replicas, router, setup.get("scheduler"),
                        (Double) sum.get("simulated_time_s"));
            } else {
                w.printf(Locale.ROOT, "%s: %s on %d device%s (%s%s, %s), %.1f s simulated%n", sum.get("scenario"),
                        setup.get("model"), devices, devices == 1 ? "" : "s", setup.get("layout"), router,
                        setup.get("scheduler"), (Double) sum.get("simulated_time_s"));
            }
            if (!r.complete()) {
                w.printf(Locale.ROOT, "  INCOMPLETE: stopped by %s; the numbers cover only what finished%n", sum.get("stop_reason"));
            }
            w.printf(Locale.ROOT, "  requests    %d completed, %d dropped, %d preemptions%n", (Long) m.get("requests_completed"),
                    (Long) m.get("requests_dropped"), (Long) m.get("preemptions"));
            Map<String, Long> drops = (Map<String, Long>) m.get("drop_reasons");
            drops.forEach((reason, n) -> w.printf(Locale.ROOT, "              %d dropped: %s%n", n, reason));
            w.printf(Locale.ROOT, "  throughput  %.1f output tokens/s, %.3f requests/s%n",
                    (Double) m.get("throughput_output_tokens_per_s"), (Double) m.get("throughput_requests_per_s"));
            latencyLine(w, "TTFT", (Map<String, Object>) m.get("ttft_s"));
            latencyLine(w, "TPOT", (Map<String, Object>) m.get("tpot_s"));
            latencyLine(w, "E2E", (Map<String, Object>) m.get("e2e_s"));
            w.printf(Locale.ROOT, "  KV cache    peak %.0f%% of %s; device utilisation %.0f%%%n",
                    100 * (Double) m.get("kv_cache_peak_fraction"), setup.get("kv_cache_blocks") instanceof Long b
                            ? b + " blocks" : "the fullest replica's cache", 100 * (Double) m.get("device_utilisation"));
            if (m.get("moe") instanceof Map<?, ?> moe) {
                w.printf(Locale.ROOT, "  MoE         ep %d, attention-dp %d, %s; load imbalance %.2f (max/mean tokens per "
                                + "expert), %.2f per rank; all-to-all %.2f s (%.0f%% of iteration time exposed), stragglers %.2f s%n",
                        (Long) moe.get("ep"), (Long) moe.get("attention_dp"), moe.get("placement"),
                        (Double) moe.get("load_imbalance"), (Double) moe.get("rank_imbalance"),
                        (Double) moe.get("all_to_all_time_s"), 100 * (Double) moe.get("all_to_all_time_share"),
                        (Double) moe.get("expert_straggler_s"));
                w.printf(Locale.ROOT, "              per device while busy: prefill %.0f tokens/s, decode %.0f tokens/s%n",
                        (Double) moe.get("prefill_tokens_per_busy_s_per_device"),
                        (Double) moe.get("decode_tokens_per_busy_s_per_device"));
                if (moe.get("expert_offload") instanceof Map<?, ?> off) {
                    w.printf(Locale.ROOT, "  experts     offloaded to %s: cache hit rate %.1f%%, %d prefetched, %d fetched on "
                                    + "demand, %d on the CPU; layers stalled %.2f s; %.1f GB read from the tier%n",
                            off.get("tier"), 100 * (moe.get("expert_cache_hit_rate") instanceof Double h ? h : 0.0),
                            (Long) off.get("prefetched"), (Long) off.get("fetched_on_demand"), (Long) off.get("cpu_computed"),
                            (Double) moe.get("expert_stall_s"), (Double) off.get("tier_read_bytes") / 1e9);
                }
            }
            if (m.get("slo") instanceof Map<?, ?> slo) {
                String attained = slo.get("attainment") instanceof Double a && slo.get("attainment_target") instanceof Double t
                        ? String.format(Locale.ROOT, " (%.1f%% of requests met every per-request target; %.0f%% required)",
                                100 * a, 100 * t) : "";
                w.printf(Locale.ROOT, "  SLO         %s%s%n", Boolean.TRUE.equals(slo.get("all_met")) ? "met" : "NOT met",
                        attained);
            }
            w.printf(Locale.ROOT, "  wall time   load %.2f s, simulate %.2f s (%.2f M events), write %.2f s%n", phases[0],
                    phases[1], (Long) sum.get("events") / 1e6, phases[2]);
        }
        w.printf(Locale.ROOT, "wrote %s/ (%s)%n", where, String.join(", ", files));
    }

    private static void latencyLine(PrintWriter w, String name, Map<String, Object> l) {
        w.printf(Locale.ROOT, "  %-11s p50 %s  p90 %s  p99 %s  mean %s%n", name, ms(l.get("p50")), ms(l.get("p90")),
                ms(l.get("p99")), ms(l.get("mean")));
    }

    private static String ms(Object seconds) {
        double s = seconds instanceof Double d ? d : Double.NaN;
        if (Double.isNaN(s)) {
            return "–";
        }
        if (s < 1e-3) {
            return String.format(Locale.ROOT, "%.1f us", s * 1e6);
        }
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", s * 1e3) : String.format(Locale.ROOT, "%.2f s", s);
    }
}
