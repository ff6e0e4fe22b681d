package io.xpusim.units;

import java.util.Locale;

/** A numeric format for weights, activations or KV cache, with its storage size. */
public enum Precision {
    FP32(4), TF32(4), BF16(2), FP16(2), FP8(1), INT8(1), FP4(0.5), INT4(0.5);

    private final double bytesPerElement;

    Precision(double bytesPerElement) {
        this.bytesPerElement = bytesPerElement;
    }

    public double bytesPerElement() {
        return bytesPerElement;
    }

    /** The name used in YAML: {@code bf16}, {@code fp8}, … */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a YAML name, or returns null when unknown. */
    public static Precision fromYaml(String s) {
        for (Precision p : values()) {
            if (p.yamlName().equals(s)) {
                return p;
            }
        }
        return null;
    }
}
