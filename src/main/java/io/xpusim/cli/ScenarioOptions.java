package io.xpusim.cli;

import io.xpusim.scenario.PlanLoader;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.scenario.SweepLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The scenario file and the overrides every scenario command takes. */
final class ScenarioOptions {
    @Parameters(index = "0", paramLabel = "FILE", description = "Scenario YAML file.")
    Path file;

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Override a scenario field, e.g. --set workload.arrivals.rate=8/s (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", description = "Override the scenario's random seed.")
    Long seed;

    Scenario load() {
        if (SweepLoader.isSweepFile(file) || PlanLoader.isPlanFile(file)) {
            String kind = SweepLoader.isSweepFile(file) ? "sweep" : "plan";
            throw new Main.UserError(file + " is a " + kind + " file, not a scenario (run it with: xpusim " + kind + " " + file
                    + ")");
        }
        List<String> all = new ArrayList<>(overrides);
        if (seed != null) {
            if (seed < 0) {
                throw new Main.UserError("--seed must be ≥ 0, not " + seed);
            }
            all.add("seed=" + seed);
        }
        return ScenarioLoader.load(file, all);
    }
}
