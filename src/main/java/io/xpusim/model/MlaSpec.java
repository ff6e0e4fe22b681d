package io.xpusim.model;

/** Multi-head latent attention (DeepSeek-V2/V3): low-rank compressed queries and a compressed KV cache. */
public record MlaSpec(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
}
