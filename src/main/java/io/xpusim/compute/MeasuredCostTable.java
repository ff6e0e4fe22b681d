package io.xpusim.compute;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads measured operator times from CSV — header {@code operator,rows,seconds}, one measurement per line —
 * for {@link MeasuredCostModel}. Operator names are those of the forward pass ({@code qkv-proj},
 * {@code decode-attention}, …); rows is the GEMM row count (tokens, or sequences for decode attention).
 */
public final class MeasuredCostTable {
    private MeasuredCostTable() {
    }

    /** A malformed line: 1-based line number and what is wrong. */
    public static final class FormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long line;

        FormatException(long line, String message) {
            super(message);
            this.line = line;
        }

        public long line() {
            return line;
        }
    }

    public static Map<String, double[][]> read(Path file) throws IOException {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || !header.strip().equals("operator,rows,seconds")) {
                throw new FormatException(1, "expected the header 'operator,rows,seconds'");
            }
            String line;
            long n = 1;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 3 || f[0].isBlank()) {
                    throw new FormatException(n, "expected operator,rows,seconds");
                }
                double rows;
                double seconds;
                try {
                    rows = Double.parseDouble(f[1].strip());
                    seconds = Double.parseDouble(f[2].strip());
                } catch (NumberFormatException e) {
                    throw new FormatException(n, "rows and seconds must be numbers");
                }
                if (!(rows > 0) || !(seconds > 0) || Double.isInfinite(rows) || Double.isInfinite(seconds)) {
                    throw new FormatException(n, "rows and seconds must be positive and finite");
                }
                points.computeIfAbsent(f[0].strip(), k -> new ArrayList<>()).add(new double[] {rows, seconds});
            }
        }
        if (points.isEmpty()) {
            throw new FormatException(1, "the table has no measurements");
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        points.forEach((op, list) -> out.put(op, list.toArray(new double[0][])));
        return out;
    }
}
