package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reproduces the published Megatron-LM training measurements in shared/reference/training.md: the ten rows
 * of Narayanan et al. 2021 Table 1 (TFLOP/s per GPU by their eq. 3) and the four models × two recompute modes
 * of Korthikanti et al. 2022 Table 5 (iteration time). The scenarios' compute-efficiency 0.89 (the 2021–22
 * software stack relative to today's measured GEMM rates) was calibrated on two rows, gpt-18.4b and
 * korthikanti 175b-full; the other sixteen are held out. Targets from issue #4: median |error| ≤ 10%, no row
 * worse than 20% — asserted here on the held-out rows, with every row within 12% (the worst seen is 9.8%).
 */
class TrainingValidationTest {
    record Row(String file, double measured, boolean iterationTime, boolean calibration) {
    }

    static final List<Row> ROWS = List.of(
            new Row("megatron/gpt-1.7b", 137, false, false),
            new Row("megatron/gpt-3.6b", 138, false, false),
            new Row("megatron/gpt-7.5b", 142, false, false),
            new Row("megatron/gpt-18.4b", 135, false, true),
            new Row("megatron/gpt-39.1b", 138, false, false),
            new Row("megatron/gpt-76.1b", 140, false, false),
            new Row("megatron/gpt-145.6b", 148, false, false),
            new Row("megatron/gpt-310.1b", 155, false, false),
            new Row("megatron/gpt-529.6b", 163, false, false),
            new Row("megatron/gpt-1008b", 163, false, false),
            new Row("korthikanti/22b-full", 1.42, true, false),
            new Row("korthikanti/22b-selective", 1.10, true, false),
            new Row("korthikanti/175b-full", 18.13, true, true),
            new Row("korthikanti/175b-selective", 13.75, true, false),
            new Row("korthikanti/530b-full", 49.05, true, false),
            new Row("korthikanti/530b-selective", 37.83, true, false),
            new Row("korthikanti/1t-full", 94.42, true, false),
            new Row("korthikanti/1t-selective", 71.49, true, false));

    @Test
    @SuppressWarnings("unchecked")
    void reproducesPublishedTrainingRuns() {
        List<Double> heldOut = new ArrayList<>();
        StringBuilder table = new StringBuilder("| scenario | measured | predicted | error |\n|---|---:|---:|---:|\n");
        for (Row row : ROWS) {
            Path file = Path.of("scenarios/validation", row.file() + ".yaml");
            Scenario s = ScenarioLoader.load(file, List.of("outputs.charts=false"));
            RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
            assertTrue(r.complete(), row.file());
            Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
            double predicted = row.iterationTime() ? (Double) m.get("step_time_s")
                    : (Double) ((Map<String, Object>) m.get("tflops_per_gpu")).get("megatron");
            double error = (predicted - row.measured()) / row.measured();
            table.append(String.format(Locale.ROOT, "| %s%s | %.4g %s | %.4g | %+.1f%% |%n", row.file(),
                    row.calibration() ? " (calibration)" : "", row.measured(), row.iterationTime() ? "s" : "TFLOP/s",
                    predicted, 100 * error));
            assertTrue(Math.abs(error) <= 0.12, row.file() + ": predicted " + predicted + " vs measured " + row.measured());
            if (!row.calibration()) {
                heldOut.add(Math.abs(error));
            }
        }
        heldOut.sort(Double::compare);
        double median = (heldOut.get(heldOut.size() / 2 - 1) + heldOut.get(heldOut.size() / 2)) / 2;
        System.out.print(table);
        System.out.printf(Locale.ROOT, "held-out median |error| %.1f%%, worst %.1f%%%n", 100 * median,
                100 * heldOut.get(heldOut.size() - 1));
        assertTrue(median <= 0.10, "held-out median |error| " + median);
        assertTrue(heldOut.get(heldOut.size() - 1) <= 0.20, "worst held-out row");
    }
}
