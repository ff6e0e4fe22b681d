package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.workload.RequestSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Automatic prefix caching on hand-checkable cases: 16-token KV blocks, 512-token hash blocks (Mooncake), so one
 * cached hash is 32 KV blocks.
 */
class PrefixCacheTest {
    private static SchedulerState state(String policy, int blocks, int maxTokens) {
        return new SchedulerState(new KvCache(blocks, 16, 512),
                new SchedulerConfig(policy, maxTokens, 256, 16, 0).withPrefixCaching(512));
    }

    private static ServingRequest request(long id, int input, int output, long... hashes) {
        return new ServingRequest(new RequestSpec(id, 0, input, output, hashes));
    }

    private static PrefixCache cache(SchedulerState s) {
        return s.kv.prefixCache();
    }

    @Test
    void aRepeatedPromptReusesItsWholeHashBlocks() {
        SchedulerState s = state("vllm", 1000, 100_000);
        VllmScheduler v = new VllmScheduler();
        s.waiting.add(request(0, 1030, 3, 1, 2, 3)); // 2 whole hash blocks (1024 tokens) + a 6-token partial one
        Iterations.drain(v, s, 10);
        assertEquals(0, cache(s).hitTokens());
        assertTrue(cache(s).contains(1) && cache(s).contains(2) && !cache(s).contains(3), "only whole hash blocks are cached");
        assertEquals(64, cache(s).cachedBlocks());
        assertEquals(0, s.kv.usedBlocks(), "cached but unreferenced blocks are free");

        ServingRequest again = request(1, 1030, 3, 1, 2, 3);
        s.waiting.add(again);
        Batch b = Iterations.schedule(v, s);
        assertEquals(List.of(6), b.chunkTokens, "only the 6 tokens past the cached 1024 are prefilled");
        assertEquals(1024, again.prefilled);
        assertEquals(65, again.blocks, "ceil(1030/16) = 65 blocks: 64 shared, 1 own");
        assertEquals(1, cache(s).refs(1));
        Iterations.complete(s, b);
        Iterations.drain(v, s, 10);
        assertEquals(1024, cache(s).hitTokens());
        assertEquals(1024 / 2060.0, cache(s).hitRate(), 1e-12);
        assertEquals(0, cache(s).totalRefs());
    }

    @Test
    void aFullyCachedPromptStillComputesItsLastToken() {
        SchedulerState s = state("vllm", 1000, 100_000);
        VllmScheduler v = new VllmScheduler();
        s.waiting.add(request(0, 1024, 1, 1, 2));
        Iterations.drain(v, s, 10);
        ServingRequest again = request(1, 1024, 1, 1, 2);
        s.waiting.add(again);
        Batch b = Iterations.schedule(v, s);
        assertEquals(List.of(1), b.chunkTokens, "vLLM recomputes the last prompt token to sample from it");
        assertEquals(1023, again.prefilled);
        Iterations.complete(s, b);
        assertEquals(1023, cache(s).hitTokens());
    }

    @Test
    void chainedHashesMatchOnlyFromTheFirstBlock() {
        SchedulerState s = state("vllm", 1000, 100_000);
        VllmScheduler v = new VllmScheduler();
        s.waiting.add(request(0, 1536, 1, 1, 2, 3));
        Iterations.drain(v, s, 10);
        ServingRequest otherHead = request(1, 1536, 1, 9, 2, 3); // later hashes match, the first does not
        s.waiting.add(otherHead);
        assertEquals(List.of(1536), Iterations.step(v, s).chunkTokens);
        assertEquals(0, cache(s).hitTokens());
        ServingRequest sameHead = request(2, 1536, 1, 1, 2, 7); // the first two blocks are cached
        s.waiting.add(sameHead);
        assertEquals(List.of(512), Iterations.step(v, s).chunkTokens);
        assertEquals(1024, cache(s).hitTokens());
    }

    @Test
    void evictionDropsUnreferencedEntriesLeastRecentlyReleasedFirstNeverAReferencedOne() {
        SchedulerState s = state("vllm", 200, 100_000);
        VllmScheduler v = new VllmScheduler();
        s.waiting.add(request(0, 512, 1, 1)); // finishes with its prompt: entry 1 released first
        s.waiting.add(request(1, 512, 1, 2)); // then entry 2
        ServingRequest running = request(2, 512, 100, 3); // keeps running: entry 3 stays referenced
        s.waiting.add(running);
        Iterations.step(v, s);
        assertEquals(96, cache(s).cachedBlocks());
        assertEquals(32, cache(s).pinnedBlocks());
        assertEquals(168, s.kv.freeBlocks(), "200 - 32 pinned: unreferenced cached blocks count as free");

        s.waiting.add(request(3, 120 * 16, 50)); // 120 blocks > 104 unoccupied: one entry must go
        Iterations.step(v, s);
        assertFalse(cache(s).contains(1), "the least recently released entry is evicted");
        assertTrue(cache(s).contains(2) && cache(s).contains(3));
        assertEquals(1, cache(s).evictions());

        s.waiting.add(request(4, 48 * 16, 1)); // 48 blocks = every free block: entry 2 goes, entry 3 is in use
        Iterations.step(v, s);
        assertFalse(cache(s).contains(2));
        assertTrue(cache(s).contains(3));
        assertEquals(1, cache(s).refs(3));
        assertTrue(s.kv.occupiedBlocks() <= s.kv.totalBlocks());

        Iterations.drain(v, s, 1000);
        assertEquals(0, cache(s).totalRefs(), "every reference returned");
        assertEquals(0, s.kv.usedBlocks());
        assertTrue(s.kv.peakOccupiedBlocks() <= 200);
    }

    @Test
    void sarathiChunksStartAfterTheCachedPrefix() {
        SchedulerState s = state("sarathi", 1000, 512);
        SarathiScheduler sar = new SarathiScheduler();
        s.waiting.add(request(0, 2000, 1, 1, 2, 3, 4));
        Iterations.drain(sar, s, 10);
        ServingRequest again = request(1, 2000, 1, 1, 2, 3, 4); // 3 whole blocks cached: 1536 tokens
        s.waiting.add(again);
        Batch b = Iterations.step(sar, s);
        assertEquals(List.of(464), b.chunkTokens, "2000 - 1536 = 464 tokens fit one 512-token budget");
        assertEquals(1536, cache(s).hitTokens());
    }

    @Test
    void preemptionReturnsTheReferences() {
        SchedulerState s = state("vllm", 1000, 100_000);
        s.waiting.add(request(0, 1024, 1, 1, 2));
        Iterations.drain(new VllmScheduler(), s, 10);
        ServingRequest r = request(1, 1100, 50, 1, 2, 3);
        s.waiting.add(r);
        Iterations.step(new VllmScheduler(), s);
        assertEquals(1, cache(s).refs(1));
        s.preempt(r);
        assertEquals(0, cache(s).totalRefs());
        assertEquals(0, s.kv.usedBlocks());
        assertEquals(0, r.prefilled);
    }
}
