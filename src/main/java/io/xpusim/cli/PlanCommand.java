package io.xpusim.cli;

import io.xpusim.experiment.BuildInfo;
import io.xpusim.experiment.GoodputRunner;
import io.xpusim.experiment.PlanCandidate;
import io.xpusim.experiment.PlanOutputs;
import io.xpusim.experiment.Planner;
import io.xpusim.experiment.SweepManifest;
import io.xpusim.experiment.ResumableFolder;
import io.xpusim.experiment.ScenarioHash;
import io.xpusim.experiment.Shard;
import io.xpusim.report.Provenance;
import io.xpusim.scenario.PlanLoader;
import io.xpusim.scenario.PlanScenarios;
import io.xpusim.scenario.PlanSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xpusim plan FILE}: the cheapest hardware and strategy serving a target load within an SLO. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Search hardware type and count, tp, scheduler, prefill/decode splits and hardware mixes for the "
                + "cheapest configuration (or fewest devices) whose goodput reaches the plan's target load; write "
                + "plan.csv, plan.json, cost_vs_goodput.png and report.html. Resumable; --shard i/N searches a slice of "
                + "the units into the same --out folder.")
final class PlanCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "Plan YAML file (base: + plan:).")
    Path file;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "Override a field of the base scenario (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: <results>/<plan name>/plan); an "
            + "existing one is resumed.")
    Path out;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "results",
            description = "Root of the results tree (default: ${DEFAULT-VALUE}).")
    Path resultsRoot;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--shard", paramLabel = "i/N", description = "Search only the units whose index modulo N is i; rank "
            + "with a final run without --shard on the same folder.")
    String shard;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    ChartFormatOption charts;

    @Override
    public Integer call() throws IOException, InterruptedException {
        charts.apply();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Shard slice = Shards.parse(shard);
        int workers = Shards.threads(threads);
        PlanSpec plan = PlanLoader.load(file);
        new GoodputRunner(plan.base(), overrides); // the base must be serving, synthetic arrivals, with an SLO: located errors
        PlanScenarios scenarios = new PlanScenarios(plan, overrides);
        Path dir = out != null ? out : resultsRoot.resolve(plan.name()).resolve("plan");
        Shards.openFolder(dir, SweepManifest.FILE);
        ProgressBar bar = ProgressBar.forStderr(stderr);
        Planner planner = new Planner(plan, scenarios, workers, dir);
        long t0 = System.nanoTime();
        List<Planner.Unit> units;
        Planner.Result result = null;
        try {
            units = planner.evaluateUnits(slice, quiet ? null : bar::update);
            if (slice.isAll()) {
                result = planner.plan(units, quiet ? null : bar::update);
            }
        } finally {
            bar.finishLine();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (result == null) {
            long mine = units.stream().filter(u -> u != null).count();
            stdout.printf(Locale.ROOT, "%s: shard %s searched %d of %d units in %.1f s; stored in %s/units%n", plan.name(), slice,
                    mine, units.size(), seconds, dir);
            stdout.println("rank with: xpusim plan " + file + " --out <a folder holding every shard's units/>");
            return ExitCodes.OK;
        }
        Planner.Result r = result;
        BuildInfo b = BuildInfo.current();
        Provenance provenance = new Provenance(b.version(), b.commit(), Long.toString(planner.base().seed()),
                ScenarioHash.of(planner.base()), "the base scenario (resolved)");
        List<String> files = ResumableFolder.publish(dir, tmp -> PlanOutputs.write(tmp, plan, r, provenance));
        print(stdout, plan, r, seconds, dir, files);
        return ExitCodes.OK;
    }

    private static void print(PrintWriter w, PlanSpec plan, Planner.Result r, double seconds, Path dir, List<String> files) {
        long prunedUnits = r.units().stream().filter(u -> u.pruned() != null).count();
        w.printf(Locale.ROOT, "%s: %d configurations explored (%d pruned before simulating: memory, divisibility) from %d "
                        + "units (%d pruned; %d goodput searches run, %d reused) in %.1f s%n", plan.name(), r.explored(),
                r.prunedConfigurations(), r.units().size(), prunedUnits, r.simulatedUnits(), r.reusedUnits(), seconds);
        List<PlanCandidate> top = r.candidates().stream().filter(c -> !c.status().startsWith("pruned")
                && !c.status().equals("verified-miss") && c.goodput() >= plan.targetLoadPerSecond()).limit(plan.top()).toList();
        if (top.isEmpty()) {
            w.printf(Locale.ROOT, "  no configuration within the limits reaches %s (raise max-nodes or max-devices, add "
                    + "hardware, or relax the SLO)%n", plan.targetLoadText());
        } else {
            w.printf(Locale.ROOT, "  target %s; best by %s:%n", plan.targetLoadText(), plan.costObjective() ? "hourly cost"
                    : "device count");
            w.printf(Locale.ROOT, "  %4s  %-52s %7s %9s %11s %9s  %s%n", "rank", "configuration", "devices", "$/hour",
                    "goodput/s", "headroom", "status");
            int rank = 0;
            for (PlanCandidate c : top) {
                w.printf(Locale.ROOT, "  %4d  %-52s %7d %9.2f %11s %8.0f%%  %s%n", ++rank, c.deployment().label(),
                        c.devices(), c.costPerHourUsd(), PlanOutputs.sig(c.goodput()), 100 * c.headroom(
                                plan.targetLoadPerSecond()), c.status());
            }
        }
        w.printf(Locale.ROOT, "wrote %s/ (%s)%n", dir, String.join(", ", files));
    }
}
