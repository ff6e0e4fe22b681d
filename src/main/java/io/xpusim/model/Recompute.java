package io.xpusim.model;

import java.util.Locale;

/** Activation recomputation (Korthikanti et al. 2022): what the backward pass recomputes instead of storing. */
public enum Recompute {
    /** Store every activation. */
    NONE,
    /** Recompute only the attention core (QKᵀ, softmax, dropout, ·V): most of the memory for a few % FLOPs. */
    SELECTIVE,
    /** Store only each layer's input; rerun the whole layer forward before its backward. */
    FULL;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
