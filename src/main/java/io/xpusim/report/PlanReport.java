package io.xpusim.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code report.html} of a capacity plan: the question, the search's size, the top configurations, the chart. */
public final class PlanReport {
    private PlanReport() {
    }

    public static String write(Path dir, String name, String question, List<String[]> search, List<String> header,
                               List<List<String>> top, List<String> charts, Provenance provenance) throws IOException {
        HtmlReport h = new HtmlReport("xpusim capacity plan: " + name, question);
        h.section("search", "Search");
        h.keyValues(search);
        h.section("top", "Top configurations");
        h.paragraph("Ranked by the objective among configurations verified by simulation to meet the target, then "
                + "by estimate; headroom = goodput / target load − 1. plan.csv lists every configuration considered.");
        h.table(header, top);
        h.charts(dir, charts, "of plan " + name);
        h.provenance(provenance);
        h.write(dir.resolve(RunReport.FILE));
        return RunReport.FILE;
    }
}
