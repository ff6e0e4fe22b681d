package io.xpusim.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code report.html} of a sweep: what was swept, one row per point with the chart metrics (mean and 95%
 * interval), whether it ran and why not, every chart, and the provenance. Drawn from the table alone, so a
 * merged sweep's report is the same as a single run's.
 */
public final class SweepReport {
    private SweepReport() {
    }

    public static String write(Path dir, SweepTable t, List<List<String>> values, int replications, List<String> metrics,
                               List<String> charts, Provenance provenance) throws IOException {
        long ran = t.rows().stream().filter(SweepTable.Row::fits).count();
        HtmlReport h = new HtmlReport("xpusim sweep report: " + t.name(), t.rows().size() + " points × " + replications
                + " replication(s); " + ran + " ran, " + (t.rows().size() - ran) + " did not");
        h.section("sweep", "Sweep");
        List<String[]> def = new ArrayList<>();
        for (int i = 0; i < t.parameters().size(); i++) {
            def.add(new String[] {t.parameters().get(i), String.join(", ", values.get(i))});
        }
        def.add(new String[] {"replications per point", Integer.toString(replications)});
        h.keyValues(def);
        h.paragraph("Means over each point's replications, with the Student-t 95% interval in brackets; sweep.csv has "
                + "every metric.");
        h.section("points", "Points");
        List<String> header = new ArrayList<>();
        header.add("point");
        header.addAll(t.parameters());
        header.add("replications");
        header.addAll(metrics);
        header.add("fits");
        header.add("error");
        List<List<String>> rows = new ArrayList<>();
        for (SweepTable.Row r : t.rows()) {
            List<String> row = new ArrayList<>();
            row.add(Integer.toString(r.point()));
            row.addAll(r.values());
            row.add(Integer.toString(r.replications()));
            for (String m : metrics) {
                int k = t.metricIndex(m);
                row.add(k < 0 || !r.fits() ? "" : RunReport.value(m, r.mean()[k]) + (Double.isNaN(r.low()[k]) ? ""
                        : " [" + RunReport.value(m, r.low()[k]) + ", " + RunReport.value(m, r.high()[k]) + "]"));
            }
            row.add(r.fits() ? "yes" : "no");
            row.add(r.error() == null ? "" : r.error());
            rows.add(row);
        }
        h.table(header, rows);
        h.charts(dir, charts, "of sweep " + t.name());
        h.provenance(provenance);
        h.write(dir.resolve(RunReport.FILE));
        return RunReport.FILE;
    }
}
