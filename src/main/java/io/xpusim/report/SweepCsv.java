package io.xpusim.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sweep.csv}: {@code point}, each swept parameter, {@code replications}, then per metric its mean and
 * {@code .ci95_low} / {@code .ci95_high}, then {@code fits} (1/0) and {@code error}. Numbers as in every CSV
 * ({@link CsvWriter#num}); text fields quoted when they hold a comma, quote or line break.
 */
public final class SweepCsv {
    private SweepCsv() {
    }

    public static List<String> header(SweepTable t) {
        List<String> h = new ArrayList<>();
        h.add("point");
        h.addAll(t.parameters());
        h.add("replications");
        for (String m : t.metrics()) {
            h.add(m);
            h.add(m + ".ci95_low");
            h.add(m + ".ci95_high");
        }
        h.add("fits");
        h.add("error");
        return h;
    }

    public static void write(Path file, SweepTable t) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", header(t).stream().map(SweepCsv::field).toList()));
            w.write('\n');
            StringBuilder b = new StringBuilder(256);
            for (SweepTable.Row r : t.rows()) {
                b.setLength(0);
                b.append(r.point());
                for (String v : r.values()) {
                    b.append(',').append(field(v));
                }
                b.append(',').append(r.replications());
                for (int i = 0; i < t.metrics().size(); i++) {
                    b.append(',').append(CsvWriter.num(r.mean()[i])).append(',').append(CsvWriter.num(r.low()[i]))
                            .append(',').append(CsvWriter.num(r.high()[i]));
                }
                b.append(',').append(r.fits() ? 1 : 0).append(',').append(r.error() == null ? "" : field(r.error()));
                b.append('\n');
                w.write(b.toString());
            }
        }
    }

    static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
