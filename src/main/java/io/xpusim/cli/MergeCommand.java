package io.xpusim.cli;

import io.xpusim.experiment.PointStore;
import io.xpusim.experiment.ResumableFolder;
import io.xpusim.experiment.SweepManifest;
import io.xpusim.experiment.SweepMerge;
import io.xpusim.experiment.SweepOutputs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
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

/** {@code xpusim merge DIR…}: the shards of a sweep combined into what one process would have written. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Combine the output folders of 'xpusim sweep --shard i/N' runs into one sweep folder: the same "
                + "sweep.json, sweep.csv and charts a single-process sweep writes.")
final class MergeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Shard output folders (each with sweep.json and points/).")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: <results>/<sweep name>/merged).")
    Path out;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "results",
            description = "Root of the results tree (default: ${DEFAULT-VALUE}).")
    Path resultsRoot;

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    ChartFormatOption charts;

    @Override
    public Integer call() throws IOException {
        charts.apply();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        SweepManifest merged;
        Path dir = null;
        boolean created = false;
        try {
            merged = SweepMerge.merge(dirs);
            dir = out != null ? out : resultsRoot.resolve(merged.definition().name()).resolve("merged");
            created = !Files.exists(dir);
            ResumableFolder.open(dir);
            SweepMerge.copyRuns(dirs, merged, dir);
        } catch (SweepMerge.MergeException e) {
            if (created) {
                Files.deleteIfExists(dir.resolve("points")); // copyRuns copies nothing when a run is missing
                Files.deleteIfExists(dir);
            }
            throw new Main.UserError(e.getMessage());
        } catch (FileAlreadyExistsException e) {
            throw new Main.UserError("--out " + out + " exists and is not a folder");
        }
        PointStore store = new PointStore(dir);
        List<String> warnings = new ArrayList<>();
        List<String> files = ResumableFolder.publish(dir, tmp -> {
            List<String> f = new ArrayList<>();
            merged.write(tmp);
            f.add(SweepManifest.FILE);
            SweepOutputs.Written w = SweepOutputs.write(tmp, merged.definition(), merged.points(), store::summary);
            f.addAll(w.files());
            warnings.addAll(w.warnings());
            return f;
        });
        warnings.forEach(w -> stderr.println("warning: " + w));
        stdout.printf(Locale.ROOT, "%s: merged %d points from %d folder(s)%n", merged.definition().name(),
                merged.points().size(), dirs.size());
        stdout.printf(Locale.ROOT, "wrote %s/ (%s)%n", dir, String.join(", ", files));
        return ExitCodes.OK;
    }
}
