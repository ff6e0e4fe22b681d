package io.xpusim.cli;

import io.xpusim.experiment.GoodputRunner;
import io.xpusim.experiment.GoodputSearch;
import io.xpusim.experiment.OutputFolder;
import io.xpusim.units.Frequency;
import io.xpusim.units.QuantityFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xpusim goodput FILE}: the highest arrival rate at which a serving scenario meets its SLO. */
@Command(name = "goodput", mixinStandardHelpOptions = true,
        description = "Search the highest request rate meeting the scenario's SLO (bracket, then bisect; one full "
                + "simulation per probe, same seed); write goodput.json, probes.csv and charts under results/.")
final class GoodputCommand implements Callable<Integer> {
    @Mixin
    ScenarioOptions scenario;

    @Option(names = "--min", paramLabel = "RATE", defaultValue = "0.5/s", description = "Lowest rate to try (default: ${DEFAULT-VALUE}).")
    String min;

    @Option(names = "--max", paramLabel = "RATE", defaultValue = "100/s", description = "Highest rate to try (default: ${DEFAULT-VALUE}).")
    String max;

    @Option(names = "--tolerance", paramLabel = "PCT", defaultValue = "2%",
            description = "Stop when the bracket is this narrow, relative to its low end (default: ${DEFAULT-VALUE}).")
    String tolerance;

    @Option(names = "--out", paramLabel = "DIR", description = "Write exactly into DIR (must not exist or be empty).")
    Path out;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "results",
            description = "Root of the results tree (default: ${DEFAULT-VALUE}).")
    Path resultsRoot;

    @Option(names = {"-q", "--quiet"}, description = "Print no per-probe progress; only the result and where it went.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        double lo = rate("--min", min);
        double hi = rate("--max", max);
        if (hi < lo) {
            throw new Main.UserError("--max " + max + " is below --min " + min);
        }
        double tol = tolerance();
        List<String> overrides = new ArrayList<>(scenario.overrides);
        if (scenario.seed != null) {
            if (scenario.seed < 0) {
                throw new Main.UserError("--seed must be ≥ 0, not " + scenario.seed);
            }
            overrides.add("seed=" + scenario.seed);
        }
        GoodputRunner runner = new GoodputRunner(scenario.file, overrides);
        OutputFolder folder = openFolder(runner.scenario().name());
        Thread cleanup = new Thread(() -> {
            folder.discard();
            System.err.println("xpusim: interrupted; no results were written (the partial folder was removed)");
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            if (!quiet) {
                stderr.printf(Locale.ROOT, "%s: searching %s … %s to %s, starting at %s; each probe: %s%n",
                        runner.scenario().name(), fmt(lo), fmt(hi) + " req/s", pct(tol),
                        fmt(GoodputSearch.round(Math.min(hi, Math.max(lo, runner.scenarioRate())))) + " req/s",
                        runner.probeWorkload());
            }
            int[] n = {0};
            GoodputSearch.Result result = runner.search(lo, hi, tol, p -> {
                n[0]++;
                if (!quiet) {
                    stderr.printf(Locale.ROOT, "  probe %2d  %9s req/s  %-7s  attainment %6s  TTFT p90 %9s  TPOT p90 %9s  "
                            + "(%.1f s)%n", n[0], fmt(p.rate()), p.met() ? "met" : "NOT met",
                            Double.isNaN(p.attainment()) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * p.attainment()),
                            ms(p.ttftP90()), ms(p.tpotP90()), p.wallSeconds());
                }
            });
            double wall = (System.nanoTime() - t0) / 1e9;
            List<String> files = runner.write(folder.temp(), result, lo, hi, tol, wall);
            folder.commit();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            String why = switch (result.outcome()) {
                case "at-max" -> " (the SLO still holds at --max; raise it to search higher)";
                case "below-min" -> " (the SLO is missed even at --min " + fmt(lo) + " req/s)";
                default -> String.format(Locale.ROOT, " (within %s)", pct(tol));
            };
            stdout.printf(Locale.ROOT, "%s: goodput %s req/s, %s req/s per device on %d device(s)%s; %d probes, seed %d, "
                            + "%.1f s%n", runner.scenario().name(), fmt(result.goodput()),
                    fmt(result.goodput() / runner.devices()), runner.devices(), why, result.probes().size(),
                    runner.scenario().seed(), (System.nanoTime() - t0) / 1e9);
            stdout.printf(Locale.ROOT, "wrote %s/ (%s)%n", folder.target(), String.join(", ", files));
            return ExitCodes.OK;
        } finally {
            folder.discard();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // already shutting down, or already removed
            }
        }
    }

    private static double rate(String option, String text) {
        try {
            double r = Frequency.parse(text).perSecond();
            if (!(r > 0) || Double.isInfinite(r)) {
                throw new Main.UserError(option + " must be a positive rate, not " + text);
            }
            return r;
        } catch (QuantityFormatException e) {
            throw new Main.UserError(option + ": " + e.getMessage() + " (" + e.hint() + ")");
        }
    }

    private double tolerance() {
        String t = tolerance.strip();
        double v;
        try {
            v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).strip()) / 100 : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new Main.UserError("--tolerance '" + tolerance + "' is not a percentage (e.g. 2% or 0.02)");
        }
        if (!(v >= 0.001 && v <= 1)) {
            throw new Main.UserError("--tolerance must be between 0.1% and 100%, not " + tolerance);
        }
        return v;
    }

    private OutputFolder openFolder(String name) throws IOException {
        try {
            return out != null ? OutputFolder.exactly(out) : OutputFolder.underResults(resultsRoot, name, "goodput");
        } catch (DirectoryNotEmptyException e) {
            throw new Main.UserError("--out " + out + " is not empty; refusing to mix runs (choose a new folder)");
        } catch (FileAlreadyExistsException e) {
            throw new Main.UserError("--out " + out + " exists and is not a folder");
        }
    }

    private static String fmt(double r) {
        return new java.math.BigDecimal(r).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String pct(double f) {
        return fmt(100 * f) + "%";
    }

    private static String ms(double s) {
        if (Double.isNaN(s)) {
            return "–";
        }
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", s * 1e3) : String.format(Locale.ROOT, "%.2f s", s);
    }
}
