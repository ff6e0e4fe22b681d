package io.xpusim.cli;

import io.xpusim.experiment.GoodputRunner;
import io.xpusim.experiment.RunError;
import io.xpusim.scenario.PlanLoader;
import io.xpusim.scenario.PlanSpec;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioKind;
import io.xpusim.scenario.SweepLoader;
import io.xpusim.scenario.SweepPoints;
import io.xpusim.scenario.SweepSpec;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code xpusim validate FILE}: every check {@code run} makes before simulating, and nothing else. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a scenario (schema, units, profiles, parallelism, memory fit) without running it; for a sweep "
                + "file, every point; for a plan file, the plan and its base.")
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ScenarioOptions scenario;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (SweepLoader.isSweepFile(scenario.file)) {
            return validateSweep();
        }
        if (PlanLoader.isPlanFile(scenario.file)) {
            PlanSpec plan = PlanLoader.load(scenario.file);
            new GoodputRunner(plan.base(), scenario.overrides);
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: ok — plan for %s over %d node type(s) with base %s%n",
                    scenario.file, plan.targetLoadText(), plan.hardware().size(), plan.base());
            return ExitCodes.OK;
        }
        Scenario s = scenario.load();
        if (s.kind() == ScenarioKind.COLLECTIVE) {
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: ok — %s over %d of %d devices, %d sizes%n", scenario.file,
                    s.collective().op().yamlName(), s.collective().groupSize(), s.deviceCount(), s.collective().sizesBytes().size());
        } else if (s.kind() == ScenarioKind.TRAINING) {
            var p = s.training().plan();
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: ok — training %s on %d devices, dp=%d tp=%d pp=%d cp=%d, %s%n",
                    scenario.file, s.model().name(), s.deviceCount(), p.dp(), p.tp(), p.pp(), p.cp(), s.training().schedule());
        } else if (s.kind() == ScenarioKind.ITERATION) {
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: ok — prefill iterations of %s, %d batch sizes on %d node "
                    + "group(s)%n", scenario.file, s.model().name(), s.iteration().batchSizes().size(), s.nodes().size());
        } else {
            var d = s.disaggregation();
            String layout = d == null && !s.replicaGroups().isEmpty() ? s.replicaGroups().stream()
                    .map(g -> String.format(Locale.ROOT, "%d × tp%d%s", g.replicas(), g.tp(), g.pp() > 1 ? " pp" + g.pp() : ""))
                    .collect(Collectors.joining(" + ", "replica groups ", ""))
                    : d == null ? String.format(Locale.ROOT, "tp=%d%s, %d replica(s)", s.serving().tp(),
                    s.serving().pp() > 1 ? " pp=" + s.serving().pp() : "", s.replicas())
                    : d.sameGpu() ? String.format(Locale.ROOT, "%d replica(s), prefill and decode sharing each GPU (%.0f%% / "
                    + "%.0f%%)", s.replicas(), 100 * d.prefillShare(), 100 * (1 - d.prefillShare()))
                    : "disaggregated: " + d.describe() + ", KV " + d.kvTransfer().yamlName();
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: ok — %s on %s, %s%n", scenario.file,
                    s.model().name(), s.nodes().get(0).profile().name(), layout);
        }
        return ExitCodes.OK;
    }

    /**
     * A sweep file: every point's scenario (replication 0) bound, as the sweep will. An error about a swept path itself
     * (an unknown key) is the error, as it stops the sweep; a point whose values do not work is listed on stderr and
     * counted — the sweep records it and runs the others.
     */
    private int validateSweep() {
        SweepSpec sweep = SweepLoader.load(scenario.file);
        SweepPoints points = new SweepPoints(sweep, scenario.overrides);
        int failing = 0;
        for (int p = 0; p < sweep.points(); p++) {
            try {
                points.scenario(p, 0);
            } catch (RuntimeException e) {
                RunError error = RunError.of(e);
                if (e instanceof ScenarioException se && points.isPathError(se) || error.internal()) {
                    throw e;
                }
                failing++;
                spec.commandLine().getErr().printf(Locale.ROOT, "  point %d will not run: %s%n", p, error.message());
            }
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "%s: ok — sweep of %d points × %d replication(s) over %s%s%n",
                scenario.file, sweep.points(), sweep.replications(), sweep.base(), failing == 0 ? ""
                        : String.format(Locale.ROOT, "; %d point(s) will not run (their error goes into sweep.csv)", failing));
        return ExitCodes.OK;
    }
}
