package io.xpusim.model;

/** How an operator uses the hardware, which decides its efficiency in the cost model. */
public enum OpKind {
    /** Dense matrix multiply: tensor cores, efficiency depends on its row count. */
    GEMM,
    /** Fused attention over the KV cache. */
    ATTENTION,
    /** Memory-bound pointwise or reduction work (norms, activations, rotary, sampling). */
    ELEMENTWISE
}
