package io.xpusim.serving;

/**
 * A paged KV cache counted in fixed-size blocks (vLLM's PagedAttention): a sequence holds
 * ⌈tokens / blockTokens⌉ blocks; capacity comes from device memory left after weights and activations.
 * With a {@link PrefixCache}, some blocks belong to cached prompt prefixes: those a running request uses count
 * as used; unreferenced ones count as free (vLLM's free queue holds them) and are evicted when an allocation
 * needs their pages.
 */
public final class KvCache {
    private final int totalBlocks;
    private final int blockTokens;
    private final PrefixCache prefix;
    /** Blocks owned by one request each (not in the prefix cache). */
    private int privateBlocks;
    private int peakUsedBlocks;
    private int peakOccupiedBlocks;

    public KvCache(int totalBlocks, int blockTokens) {
        this(totalBlocks, blockTokens, 0);
    }

    /** A cache with automatic prefix caching over hash blocks of {@code prefixHashTokens} tokens (0: none). */
    public KvCache(int totalBlocks, int blockTokens, int prefixHashTokens) {
        if (totalBlocks < 0 || blockTokens <= 0) {
            throw new IllegalArgumentException("bad KV cache shape " + totalBlocks + " x " + blockTokens);
        }
        this.totalBlocks = totalBlocks;
        this.blockTokens = blockTokens;
        this.prefix = prefixHashTokens > 0 ? new PrefixCache(prefixHashTokens, blockTokens) : null;
    }

    public int totalBlocks() {
        return totalBlocks;
    }

    public int blockTokens() {
        return blockTokens;
    }

    /** The prefix cache, or null when prefix caching is off. */
    public PrefixCache prefixCache() {
        return prefix;
    }

    /** Blocks running requests hold: their own and the cached prefix blocks they use. */
    public int usedBlocks() {
        return privateBlocks + (prefix == null ? 0 : prefix.pinnedBlocks());
    }

    /** Blocks an allocation may take: never used, or cached but unreferenced (evicted on demand). */
    public int freeBlocks() {
        return totalBlocks - usedBlocks();
    }

    /** Blocks holding any KV: used ones plus unreferenced cached ones. Never above the total. */
    public int occupiedBlocks() {
        return privateBlocks + (prefix == null ? 0 : prefix.cachedBlocks());
    }

    public int peakUsedBlocks() {
        return peakUsedBlocks;
    }

    public int peakOccupiedBlocks() {
        return peakOccupiedBlocks;
    }

    public int blocksFor(long tokens) {
        return (int) ((tokens + blockTokens - 1) / blockTokens);
    }

    void allocate(ServingRequest r, int blocks) {
        if (blocks > freeBlocks()) {
            throw new IllegalStateException("KV cache over capacity: " + blocks + " > " + freeBlocks() + " free");
        }
        int unoccupied = totalBlocks - occupiedBlocks();
        if (blocks > unoccupied) {
            prefix.evict(blocks - unoccupied);
        }
        privateBlocks += blocks;
        r.blocks += blocks;
        peakUsedBlocks = Math.max(peakUsedBlocks, usedBlocks());
        peakOccupiedBlocks = Math.max(peakOccupiedBlocks, occupiedBlocks());
    }

    /**
     * Admits a request's KV: with prefix caching, reuses the longest cached run of its leading whole hash blocks
     * (those tokens count as prefilled, except that at least one token is always computed) and allocates pages for
     * the rest of its prefill target. Returns the tokens still to prefill.
     */
    int admit(ServingRequest r) {
        int target = r.prefillTarget();
        if (prefix == null) {
            allocate(r, blocksFor(target));
            return target;
        }
        int n = prefix.matched(r);
        int cachedTokens = Math.min(n * prefix.hashTokens(), target - 1);
        prefix.pin(r, n, cachedTokens);
        r.prefilled = cachedTokens;
        allocate(r, blocksFor(target) - n * prefix.blocksPerHash());
        peakUsedBlocks = Math.max(peakUsedBlocks, usedBlocks());
        return target - cachedTokens;
    }

    /** Blocks admitting the request would take from {@link #freeBlocks()} (pinning cached blocks takes them too). */
    int admissionBlocks(ServingRequest r) {
        int blocks = blocksFor(r.prefillTarget());
        if (prefix == null) {
            return blocks;
        }
        int n = prefix.matched(r);
        return blocks - n * prefix.blocksPerHash() + prefix.pinCost(r, n);
    }

    /** Tokens admitting the request would have to prefill now. */
    int admissionTokens(ServingRequest r) {
        int target = r.prefillTarget();
        if (prefix == null) {
            return target;
        }
        return target - Math.min(prefix.matched(r) * prefix.hashTokens(), target - 1);
    }

    /** The request's prompt is prefilled: its whole hash blocks become cache entries (prefix caching only). */
    void prefillDone(ServingRequest r) {
        if (prefix != null) {
            privateBlocks -= prefix.publish(r);
        }
    }

    /** Frees the request's own blocks beyond {@code keepBlocks} (speculative decoding: rejected draft tokens' KV). */
    void trim(ServingRequest r, int keepBlocks) {
        int extra = r.blocks - Math.max(keepBlocks, r.sharedBlocks);
        if (extra > 0) {
            privateBlocks -= extra;
            r.blocks -= extra;
        }
    }

    void release(ServingRequest r) {
        privateBlocks -= r.blocks - r.sharedBlocks;
        if (prefix != null) {
            prefix.unpin(r);
        }
        r.blocks = 0;
        r.sharedBlocks = 0;
    }
}
