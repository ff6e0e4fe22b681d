package io.xpusim.model;

import java.util.Locale;

/**
 * How attention is computed: fused (FlashAttention: scores never reach device memory, backward recomputes
 * them inside the kernel) or unfused (Megatron-LM 2021: QKᵀ and ·V as batched GEMMs with the score matrix,
 * softmax and dropout materialised in memory).
 */
public enum AttentionKernel {
    FUSED, UNFUSED;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
