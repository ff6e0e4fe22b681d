package io.xpusim.serving;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A replica's automatic prefix cache (vLLM's APC): KV blocks of finished prompt prefixes kept under their chained
 * block hash (the trace's i-th hash names the content of the prompt's first i+1 hash blocks, as Mooncake's
 * {@code hash_ids} do). One entry holds the {@code blocksPerHash} KV blocks one hash covers (a 512-token Mooncake
 * block is 32 pages of 16 tokens). Entries referenced by a running request are pinned; unreferenced ones stay
 * cached and are evicted least recently released first, and only when the KV cache needs their blocks. Within one
 * release the later blocks of a prompt go first (vLLM frees a sequence's blocks in reverse order), so the shared
 * head of a prefix outlives its tails.
 */
public final class PrefixCache {
    /** One cached hash block: its KV pages and how many running requests use it. */
    static final class Entry {
        final long hash;
        int refs;

        Entry(long hash) {
            this.hash = hash;
        }
    }

    private final int blocksPerHash;
    private final int hashTokens;
    private final Map<Long, Entry> entries = new HashMap<>();
    /** Unreferenced entries, least recently released first: the eviction order. */
    private final LinkedHashSet<Entry> evictable = new LinkedHashSet<>();
    private int cachedBlocks;
    private int pinnedBlocks;
    private long promptTokens;
    private long hitTokens;
    private long evictions;

    PrefixCache(int hashTokens, int blockTokens) {
        if (hashTokens <= 0 || hashTokens % blockTokens != 0) {
            throw new IllegalArgumentException("a prefix hash block of " + hashTokens
                    + " tokens must be a whole number of " + blockTokens + "-token KV blocks");
        }
        this.hashTokens = hashTokens;
        this.blocksPerHash = hashTokens / blockTokens;
    }

    public int hashTokens() {
        return hashTokens;
    }

    int blocksPerHash() {
        return blocksPerHash;
    }

    /** KV blocks held by cache entries, pinned or not. */
    public int cachedBlocks() {
        return cachedBlocks;
    }

    /** KV blocks of entries some running request uses. */
    public int pinnedBlocks() {
        return pinnedBlocks;
    }

    /** Sum of all entries' reference counts: zero once no request runs. */
    public long totalRefs() {
        long n = 0;
        for (Entry e : entries.values()) {
            n += e.refs;
        }
        return n;
    }

    public int entries() {
        return entries.size();
    }

    public long evictions() {
        return evictions;
    }

    /** Prompt tokens of admitted requests (every admission, re-admissions after preemption included). */
    public long promptTokens() {
        return promptTokens;
    }

    /** Prompt tokens admissions found cached: prefill compute saved. */
    public long hitTokens() {
        return hitTokens;
    }

    public double hitRate() {
        return promptTokens == 0 ? 0 : hitTokens / (double) promptTokens;
    }

    /** Hashes covering whole hash blocks of the prompt: the only ones that can be cached. */
    int fullHashes(ServingRequest r) {
        return Math.min(r.spec.prefixHashes().length, r.spec.inputTokens() / hashTokens);
    }

    /** How many of the request's leading (whole) hash blocks are cached. */
    int matched(ServingRequest r) {
        long[] hashes = r.spec.prefixHashes();
        int full = fullHashes(r);
        int n = 0;
        while (n < full && entries.containsKey(hashes[n])) {
            n++;
        }
        return n;
    }

    /** Blocks that pinning the first n hashes takes out of the evictable pool. */
    int pinCost(ServingRequest r, int n) {
        long[] hashes = r.spec.prefixHashes();
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            if (entries.get(hashes[i]).refs == 0) {
                blocks += blocksPerHash;
            }
        }
        return blocks;
    }

    /** The request starts using the first n hash blocks' cached KV; books the admission's hit. */
    void pin(ServingRequest r, int n, int cachedTokens) {
        long[] hashes = r.spec.prefixHashes();
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(hashes[i]);
            if (e.refs++ == 0) {
                evictable.remove(e);
                pinnedBlocks += blocksPerHash;
            }
            r.cacheRefs.add(e);
        }
        r.blocks += n * blocksPerHash;
        r.sharedBlocks += n * blocksPerHash;
        promptTokens += r.spec.inputTokens();
        hitTokens += cachedTokens;
    }

    /**
     * After the request's prompt is prefilled: its whole hash blocks not yet cached move from its private pages
     * into the cache, pinned by it. Returns the private blocks handed over. A block another request cached
     * meanwhile stays a private duplicate (freed with the request), as in vLLM.
     */
    int publish(ServingRequest r) {
        long[] hashes = r.spec.prefixHashes();
        int full = fullHashes(r);
        int moved = 0;
        for (int i = r.cacheRefs.size(); i < full; i++) {
            if (entries.containsKey(hashes[i])) {
                continue;
            }
            Entry e = new Entry(hashes[i]);
            e.refs = 1;
            entries.put(e.hash, e);
            r.cacheRefs.add(e);
            moved += blocksPerHash;
        }
        cachedBlocks += moved;
        pinnedBlocks += moved;
        r.sharedBlocks += moved;
        return moved;
    }

    /** The request stops using its cached blocks; entries nobody uses become evictable, tails first. */
    void unpin(ServingRequest r) {
        List<Entry> refs = r.cacheRefs;
        for (int i = refs.size() - 1; i >= 0; i--) {
            Entry e = refs.get(i);
            if (--e.refs == 0) {
                evictable.add(e);
                pinnedBlocks -= blocksPerHash;
            }
        }
        refs.clear();
        r.sharedBlocks = 0;
    }

    /** Evicts unreferenced entries, least recently released first, until at least {@code blocks} are freed. */
    void evict(int blocks) {
        Iterator<Entry> oldest = evictable.iterator();
        int freed = 0;
        while (freed < blocks && oldest.hasNext()) {
            Entry e = oldest.next();
            oldest.remove();
            entries.remove(e.hash);
            cachedBlocks -= blocksPerHash;
            freed += blocksPerHash;
            evictions++;
        }
        if (freed < blocks) {
            throw new IllegalStateException("prefix cache cannot free " + blocks + " blocks, only " + freed);
        }
    }

    /** Whether a hash is cached (tests, routing). */
    boolean contains(long hash) {
        return entries.containsKey(hash);
    }

    /** Reference count of a cached hash, or -1 if not cached (tests). */
    int refs(long hash) {
        Entry e = entries.get(hash);
        return e == null ? -1 : e.refs;
    }

    static List<Entry> newRefList() {
        return new ArrayList<>(0);
    }
}
