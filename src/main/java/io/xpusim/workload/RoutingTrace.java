package io.xpusim.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a recorded MoE routing histogram — CSV with header {@code layer,expert,tokens}, one row per layer and expert
 * (what SGLang's expert-distribution recorder or a vLLM hook dumps) — into tokens per expert per MoE layer for
 * {@link ExpertRouting#fromHistogram}. Layers are the model's layer indices (0-based, so DeepSeek-V3's MoE layers
 * are 3…60); experts missing from a layer received no tokens; every MoE layer must have some tokens.
 */
public final class RoutingTrace {
    public static final String HEADER = "layer,expert,tokens";

    private RoutingTrace() {
    }

    /** A malformed line: 1-based line and column, and what is wrong there. */
    public static final class FormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long line;
        private final int column;

        FormatException(long line, int column, String message) {
            super(message);
            this.line = line;
            this.column = column;
        }

        public long line() {
            return line;
        }

        public int column() {
            return column;
        }
    }

    /**
     * Tokens per expert as {@code [moe layer][expert]} for a model of {@code layers} layers whose first
     * {@code denseLayers} have no experts.
     */
    public static double[][] read(Path file, int layers, int denseLayers, int experts) throws IOException {
        double[][] tokens = new double[layers - denseLayers][experts];
        boolean[][] seen = new boolean[layers - denseLayers][experts];
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || !header.strip().equals(HEADER)) {
                throw new FormatException(1, 1, "expected the header '" + HEADER + "'");
            }
            String line;
            long n = 1;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 3) {
                    throw new FormatException(n, 1, "expected 3 fields layer,expert,tokens, found " + f.length);
                }
                int layerColumn = 1;
                int expertColumn = layerColumn + f[0].length() + 1;
                int tokensColumn = expertColumn + f[1].length() + 1;
                int layer = whole(f[0], n, layerColumn, "layer");
                if (layer < denseLayers || layer >= layers) {
                    throw new FormatException(n, layerColumn, "layer " + layer + " is not a mixture-of-experts layer "
                            + "of this model (MoE layers are " + denseLayers + " to " + (layers - 1) + ")");
                }
                int expert = whole(f[1], n, expertColumn, "expert");
                if (expert >= experts) {
                    throw new FormatException(n, expertColumn, "expert " + expert + " does not exist (the model has "
                            + experts + " routed experts, 0 to " + (experts - 1) + ")");
                }
                double t;
                try {
                    t = Double.parseDouble(f[2].strip());
                } catch (NumberFormatException e) {
                    throw new FormatException(n, tokensColumn, "tokens must be a number, not '" + f[2].strip() + "'");
                }
                if (!(t >= 0) || Double.isInfinite(t)) {
                    throw new FormatException(n, tokensColumn, "tokens must be a finite number ≥ 0");
                }
                int l = layer - denseLayers;
                if (seen[l][expert]) {
                    throw new FormatException(n, layerColumn, "layer " + layer + " expert " + expert + " appears twice");
                }
                seen[l][expert] = true;
                tokens[l][expert] = t;
            }
            for (int l = 0; l < tokens.length; l++) {
                double sum = 0;
                for (double t : tokens[l]) {
                    sum += t;
                }
                if (!(sum > 0)) {
                    throw new FormatException(n, 1, "layer " + (l + denseLayers) + " has no tokens (every MoE layer, "
                            + denseLayers + " to " + (layers - 1) + ", needs rows)");
                }
            }
        }
        return tokens;
    }

    private static int whole(String text, long line, int column, String what) {
        try {
            int v = Integer.parseInt(text.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new FormatException(line, column, what + " must be a whole number ≥ 0, not '" + text.strip() + "'");
    }
}
