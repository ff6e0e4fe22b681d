package io.xpusim.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code report.html} of a goodput search: the question (SLO and search range), the answer, every probe in the
 * order it ran, the charts, and — when some rate met the SLO — the scenario as probed at the goodput. No wall
 * times, so the same search gives the same report.
 */
public final class GoodputReport {
    private GoodputReport() {
    }

    /** Writes {@code report.html} into {@code dir}; {@code charts} are file names in it, run.yaml is read from it. */
    public static String write(Path dir, String name, String question, List<String[]> answer, List<String> probeHeader,
                               List<List<String>> probes, List<String> charts, Provenance provenance) throws IOException {
        HtmlReport h = new HtmlReport("xpusim goodput: " + name, question);
        h.section("goodput", "Goodput");
        h.keyValues(answer);
        h.section("probes", "Probes");
        h.paragraph("Each probe simulates the scenario at one request rate with the same seed; probes.csv and "
                + "goodput.json have every field.");
        h.table(probeHeader, probes);
        h.charts(dir, charts, "of " + name);
        h.scenarioFile(dir.resolve("run.yaml"), "Scenario at the goodput (run.yaml)",
                "Every profile inlined and every default filled: xpusim run run.yaml reproduces that probe.");
        h.provenance(provenance);
        h.write(dir.resolve(RunReport.FILE));
        return RunReport.FILE;
    }
}
