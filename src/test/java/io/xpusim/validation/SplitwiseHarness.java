package io.xpusim.validation;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the Splitwise validation scenario for each measured configuration and pairs prediction with measurement. */
final class SplitwiseHarness {
    static final Path SCENARIO = Path.of("scenarios/validation/splitwise-llama2-70b-a100.yaml");

    /** Predicted vs measured latency of one configuration; predictions are NaN when the batch did not fit. */
    record Row(SplitwiseReference.Config config, double predictedPromptMs, double predictedTokenMs) {
        double promptError() {
            return predictedPromptMs / config.promptMs() - 1;
        }

        double tokenError() {
            return predictedTokenMs / config.tokenMs() - 1;
        }
    }

    static List<Row> run(List<String> extraOverrides) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (SplitwiseReference.Config c : SplitwiseReference.load()) {
            List<String> set = new ArrayList<>(List.of("strategy.parallelism.tp=" + c.tp(), "workload.requests=" + c.batch(),
                    "workload.input-tokens.tokens=" + c.promptTokens(), "workload.output-tokens.tokens=" + c.outputTokens()));
            set.addAll(extraOverrides);
            Scenario s = ScenarioLoader.load(SCENARIO, set);
            RunResult r = io.xpusim.experiment.ScenarioRunner.simulate(s, RunLimits.NONE, null);
            List<RequestRecord> done = r.recorder().requests().stream().filter(RequestRecord::completed).toList();
            boolean allFit = done.size() == c.batch() && done.stream().allMatch(x -> x.preemptions() == 0);
            double prompt = allFit ? done.stream().mapToDouble(RequestRecord::ttftSeconds).max().orElse(Double.NaN) * 1e3 : Double.NaN;
            double token = allFit ? SplitwiseReference.medianOf(done.stream().mapToDouble(RequestRecord::tpotSeconds).toArray()) * 1e3
                    : Double.NaN;
            rows.add(new Row(c, prompt, token));
        }
        return rows;
    }

    /** The predicted-vs-measured table in Markdown, with calibration rows marked. */
    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| TP | prompt | batch | output | prompt ms measured | predicted | error | token ms measured | predicted | error |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            SplitwiseReference.Config c = r.config();
            boolean cal = SplitwiseValidationTest.calibration(c);
            sb.append(String.format(java.util.Locale.ROOT, "| %d | %d | %d | %d | %.1f | %s | %s | %.2f | %s | %s |%s%n", c.tp(),
                    c.promptTokens(), c.batch(), c.outputTokens(), c.promptMs(), fmt(r.predictedPromptMs(), 1),
                    pct(r.promptError()), c.tokenMs(), fmt(r.predictedTokenMs(), 2), pct(r.tokenError()),
                    cal ? " calibration" : ""));
        }
        return sb.toString();
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "does not fit" : String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String pct(double e) {
        return Double.isNaN(e) ? "–" : String.format(java.util.Locale.ROOT, "%+.1f%%", 100 * e);
    }

    public static void main(String[] args) throws Exception {
        List<Row> rows = run(List.of(args));
        System.out.println("tp prompt batch out | prompt meas pred err | token meas pred err");
        List<Double> pe = new ArrayList<>();
        List<Double> te = new ArrayList<>();
        for (Row r : rows) {
            SplitwiseReference.Config c = r.config();
            System.out.printf("%d %5d %3d %5d | %8.1f %8.1f %+6.1f%% | %6.2f %6.2f %+6.1f%%%n", c.tp(), c.promptTokens(), c.batch(),
                    c.outputTokens(), c.promptMs(), r.predictedPromptMs(), 100 * r.promptError(), c.tokenMs(), r.predictedTokenMs(),
                    100 * r.tokenError());
            if (!Double.isNaN(r.promptError())) {
                pe.add(Math.abs(r.promptError()));
                te.add(Math.abs(r.tokenError()));
            }
        }
        System.out.printf("median |err| prompt %.1f%%  token %.1f%%  (n=%d of %d)%n",
                100 * SplitwiseReference.medianOf(pe.stream().mapToDouble(d -> d).toArray()),
                100 * SplitwiseReference.medianOf(te.stream().mapToDouble(d -> d).toArray()), pe.size(), rows.size());
    }
}
