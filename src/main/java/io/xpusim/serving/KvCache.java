package io.xpusim.serving;

/**
 * A paged KV cache counted in fixed-size blocks (vLLM's PagedAttention): a sequence holds
 * ⌈tokens / blockTokens⌉ blocks; capacity comes from device memory left after weights and activations.
 */
public final class KvCache {
    private final int totalBlocks;
    private final int blockTokens;
    private int usedBlocks;
    private int peakUsedBlocks;

    public KvCache(int totalBlocks, int blockTokens) {
        if (totalBlocks < 0 || blockTokens <= 0) {
            throw new IllegalArgumentException("bad KV cache shape " + totalBlocks + " x " + blockTokens);
        }
        this.totalBlocks = totalBlocks;
        this.blockTokens = blockTokens;
    }

    public int totalBlocks() {
        return totalBlocks;
    }

    public int blockTokens() {
        return blockTokens;
    }

    public int usedBlocks() {
        return usedBlocks;
    }

    public int freeBlocks() {
        return totalBlocks - usedBlocks;
    }

    public int peakUsedBlocks() {
        return peakUsedBlocks;
    }

    public int blocksFor(long tokens) {
        return (int) ((tokens + blockTokens - 1) / blockTokens);
    }

    void allocate(ServingRequest r, int blocks) {
        if (blocks > freeBlocks()) {
            throw new IllegalStateException("KV cache over capacity: " + blocks + " > " + freeBlocks() + " free");
        }
        usedBlocks += blocks;
        r.blocks += blocks;
        peakUsedBlocks = Math.max(peakUsedBlocks, usedBlocks);
    }

    void release(ServingRequest r) {
        usedBlocks -= r.blocks;
        r.blocks = 0;
    }
}
