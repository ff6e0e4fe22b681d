package io.xpusim.cli;

import io.xpusim.experiment.PlanOutputs;
import io.xpusim.experiment.PointStore;
import io.xpusim.experiment.ResumableFolder;
import io.xpusim.experiment.Shard;
import io.xpusim.experiment.SweepManifest;
import io.xpusim.experiment.SweepOutputs;
import io.xpusim.experiment.SweepRunner;
import io.xpusim.scenario.SweepLoader;
import io.xpusim.scenario.SweepPoints;
import io.xpusim.scenario.SweepSpec;
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

/** {@code xpusim sweep FILE}: every point of a grid over a base scenario, in parallel, resumable, shardable. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run every point of a sweep file's grid (replications each) on all cores; write sweep.csv and "
                + "charts. Rerunning skips finished points. With --shard i/N run only points with index mod N = i "
                + "and combine the shards with 'xpusim merge'.")
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "Sweep YAML file (base: + sweep:).")
    Path file;

    @Option(names = "--set", paramLabel = "PATH=VALUE", description = "Override a field of the base scenario for every "
            + "point, e.g. --set workload.duration=30s (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: <results>/<sweep name>/sweep, or "
            + ".../shard-<i>-of-<N>); an existing one is resumed.")
    Path out;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "results",
            description = "Root of the results tree (default: ${DEFAULT-VALUE}).")
    Path resultsRoot;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--shard", paramLabel = "i/N", description = "Run only the points whose index modulo N is i (0 ≤ i < N).")
    String shard;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar; only the result and where it went.")
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
        SweepSpec sweep = SweepLoader.load(file);
        SweepPoints points = new SweepPoints(sweep, overrides);
        Path dir = out != null ? out : resultsRoot.resolve(sweep.name()).resolve(slice.isAll() ? "sweep"
                : "shard-" + slice.index() + "-of-" + slice.count());
        Shards.openFolder(dir, PlanOutputs.FILE);
        ProgressBar bar = ProgressBar.forStderr(stderr);
        Thread hook = new Thread(() -> System.err.println("\nxpusim: interrupted; finished runs are kept in " + dir
                + "/points (rerun the same command to resume)"));
        Runtime.getRuntime().addShutdownHook(hook);
        SweepManifest manifest;
        SweepRunner runner = new SweepRunner(points, slice, workers);
        try {
            manifest = runner.run(dir, quiet ? null : bar::update);
        } finally {
            bar.finishLine();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down
            }
        }
        PointStore store = new PointStore(dir);
        List<String> warnings = new ArrayList<>();
        List<String> files = ResumableFolder.publish(dir, tmp -> {
            List<String> f = new ArrayList<>();
            manifest.write(tmp);
            f.add(SweepManifest.FILE);
            if (slice.isAll()) {
                SweepOutputs.Written w = SweepOutputs.write(tmp, manifest.definition(), manifest.points(), store::summary);
                f.addAll(w.files());
                warnings.addAll(w.warnings());
            }
            return f;
        });
        warnings.forEach(w -> stderr.println("warning: " + file + ": " + w));
        return report(stdout, stderr, sweep, slice, manifest, runner, dir, files, bar.totalSeconds());
    }

    private int threads() {
        return Shards.threads(threads);
    }

    private int report(PrintWriter out, PrintWriter err, SweepSpec sweep, Shard slice, SweepManifest m, SweepRunner runner,
                       Path dir, List<String> files, double seconds) {
        long failed = m.points().stream().filter(p -> p.error() != null).count();
        long internal = m.points().stream().filter(SweepManifest.Point::internalError).count();
        out.printf(Locale.ROOT, "%s: %d of %d points%s × %d replication(s) in %.1f s on %d thread(s): %d runs simulated, "
                        + "%d reused from earlier; %d point(s) did not run%n", sweep.name(), m.points().size(), sweep.points(),
                slice.isAll() ? "" : " (shard " + slice + ")", sweep.replications(), seconds, threads(), runner.ran(),
                runner.reused(), failed);
        m.points().stream().filter(p -> p.error() != null).limit(5).forEach(p -> out.printf(Locale.ROOT,
                "  point %d (%s): %s%n", p.point(), String.join(", ", p.values()), p.error()));
        if (failed > 5) {
            out.printf(Locale.ROOT, "  … and %d more (see the error column)%n", failed - 5);
        }
        out.printf(Locale.ROOT, "wrote %s/ (%s)%n", dir, String.join(", ", files));
        if (!slice.isAll()) {
            out.println("combine the shards with: xpusim merge <the " + slice.count() + " shard folders> [--out DIR]");
        }
        if (internal > 0) {
            err.println("xpusim: internal error in " + internal + " point(s) (a bug; the error column says how; rerun one "
                    + "with xpusim run <its points/…/run.yaml>)");
            return ExitCodes.INTERNAL_ERROR;
        }
        return ExitCodes.OK;
    }
}
