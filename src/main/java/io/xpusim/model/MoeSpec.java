package io.xpusim.model;

/** Mixture-of-experts layer shape: routed experts, how many each token uses, shared experts, expert size. */
public record MoeSpec(int experts, int topK, int sharedExperts, int expertIntermediateSize, int denseLayers) {
}
