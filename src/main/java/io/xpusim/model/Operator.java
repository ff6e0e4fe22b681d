package io.xpusim.model;

/**
 * One kernel of a forward pass on one tensor-parallel rank: its floating-point work, the bytes it moves
 * to and from device memory, its GEMM row count (tokens), and how many times it runs per pass
 * (per layer ops repeat once per layer).
 */
public record Operator(String name, OpKind kind, double flops, double bytes, double rows, int repeat) {
}
