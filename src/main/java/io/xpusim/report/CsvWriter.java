package io.xpusim.report;

import io.xpusim.metrics.RequestRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** CSV outputs with a fixed number format ({@link Locale#ROOT}, up to 9 significant digits; empty for NaN). */
public final class CsvWriter {
    private CsvWriter() {
    }

    public static final String REQUESTS_HEADER = "id,arrival_s,first_token_s,finish_s,input_tokens,output_tokens,ttft_s,"
            + "tpot_s,e2e_s,preemptions,replica,dropped_reason";

    public static void requests(Path file, List<RequestRecord> records) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(REQUESTS_HEADER);
            w.write('\n');
            StringBuilder sb = new StringBuilder(128);
            for (RequestRecord r : records) {
                sb.setLength(0);
                sb.append(r.id()).append(',').append(num(r.arrivalSeconds())).append(',')
                        .append(num(r.firstTokenSeconds())).append(',').append(num(r.finishSeconds())).append(',')
                        .append(r.inputTokens()).append(',').append(r.outputTokens()).append(',')
                        .append(num(r.ttftSeconds())).append(',').append(num(r.tpotSeconds())).append(',')
                        .append(num(r.e2eSeconds())).append(',').append(r.preemptions()).append(',').append(r.replica())
                        .append(',').append(r.dropReason() == null ? "" : quote(r.dropReason())).append('\n');
                w.write(sb.toString());
            }
        }
    }

    public static final String COLLECTIVES_HEADER = "op,algorithm,ranks,size_bytes,time_s,algbw_gb_per_s,busbw_gb_per_s";

    public static void collectives(Path file, List<io.xpusim.metrics.CollectiveRecord> records) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(COLLECTIVES_HEADER);
            w.write('\n');
            for (io.xpusim.metrics.CollectiveRecord r : records) {
                w.write(r.op() + "," + r.algorithm() + "," + r.ranks() + "," + num(r.sizeBytes()) + "," + num(r.timeSeconds())
                        + "," + num(r.algbwBytesPerSecond() / 1e9) + "," + num(r.busbwBytesPerSecond() / 1e9) + "\n");
            }
        }
    }

    public static void table(Path file, List<String> columns, double[][] rows) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", columns));
            w.write('\n');
            StringBuilder sb = new StringBuilder(128);
            for (double[] row : rows) {
                sb.setLength(0);
                for (int i = 0; i < row.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(num(row[i]));
                }
                sb.append('\n');
                w.write(sb.toString());
            }
        }
    }

    /** Per-replica series in long format: one row per time bin and replica, time first (bins of the series' width). */
    public static void replicas(Path file, io.xpusim.metrics.ReplicaSeries rs) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", io.xpusim.metrics.ReplicaSeries.COLUMNS));
            w.write('\n');
            double binSeconds = rs.binPicos() / 1e12;
            List<String> names = rs.names().stream().map(CsvWriter::quote).toList();
            StringBuilder sb = new StringBuilder(64);
            for (int b = 0; b < rs.bins(); b++) {
                String time = num(b * binSeconds);
                for (int r = 0; r < names.size(); r++) {
                    sb.setLength(0);
                    sb.append(time).append(',').append(names.get(r)).append(',').append(num(rs.utilisation(r, b)))
                            .append(',').append(num(rs.waiting(r, b))).append(',').append(num(rs.running(r, b))).append('\n');
                    w.write(sb.toString());
                }
            }
        }
    }

    public static final String SLICES_HEADER = "stage,kind,micro_batch,chunk,start_s,end_s";

    /** One row per pipeline slice (a pass, a transfer, a collective, the optimizer) of a training step. */
    public static void slices(Path file, List<io.xpusim.metrics.PipelineSlice> slices) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(SLICES_HEADER);
            w.write('\n');
            for (io.xpusim.metrics.PipelineSlice s : slices) {
                w.write(s.stage() + "," + s.kind().name().toLowerCase(java.util.Locale.ROOT) + "," + s.microBatch() + ","
                        + s.chunk() + "," + num(s.startSeconds()) + "," + num(s.endSeconds()) + "\n");
            }
        }
    }

    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L,
        100_000_000L, 1_000_000_000L, 10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L,
        100_000_000_000_000L};

    /**
     * A number with 9 significant digits, trailing zeros dropped, no exponent in the usual range — by integer
     * arithmetic, so it is fast and the same on every JVM (Double.toString changed algorithm in JDK 19).
     */
    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        double a = Math.abs(v);
        if (a < 1e-6 || a >= 1e9) {
            return String.format(Locale.ROOT, "%.9g", v).replaceFirst("\\.?0+(e|$)", "$1");
        }
        int exponent = (int) Math.floor(Math.log10(a));
        int decimals = 8 - exponent; // 9 significant digits
        long scaled = Math.round(a * POW10[decimals]);
        if (scaled >= POW10[9] && decimals > 0) { // log10 rounding put us one digit long
            decimals--;
            scaled = Math.round(a * POW10[decimals]);
        }
        long whole = scaled / POW10[decimals];
        long frac = scaled % POW10[decimals];
        StringBuilder sb = new StringBuilder(20);
        if (v < 0) {
            sb.append('-');
        }
        sb.append(whole);
        if (frac != 0) {
            String digits = Long.toString(frac);
            sb.append('.');
            for (int i = digits.length(); i < decimals; i++) {
                sb.append('0');
            }
            int end = digits.length();
            while (digits.charAt(end - 1) == '0') {
                end--;
            }
            sb.append(digits, 0, end);
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
