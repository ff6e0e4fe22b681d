package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceKind;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.MemoryKind;
import io.xpusim.hardware.MemoryProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.ScaleUpTopology;
import io.xpusim.units.Precision;
import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Preemption by swap, as decisions (no flows): the victim keeps its KV in an offload tier, no prompt is admitted while
 * anyone is swapped out, it comes back first come first served with its blocks, and the placement policies pick
 * tiers (first-fit) or demote the least recently swapped (lru), falling back to recompute when nothing fits.
 */
class KvSwapTest {
    /** One block = 1 B per rank here, 1 rank: bytes are block counts. */
    private static List<Device> oneDevice() {
        EnumMap<Precision, Double> peaks = new EnumMap<>(Precision.class);
        peaks.put(Precision.BF16, 1e15);
        DeviceProfile gpu = new DeviceProfile("g", DeviceKind.GPU, "", peaks,
                new MemoryProfile("m", MemoryKind.HBM, 80e9, 3e12, 1, 0, Map.of()), 0.8, 1, 0.5, 700, 1, 0, 0, Map.of());
        NodeProfile n = new NodeProfile("n", "", gpu, 1, null, ScaleUpTopology.NONE, 1, null, 0, null, 0, null, 0, Map.of());
        return Cluster.build(List.of(new Cluster.NodeGroup(n, 1))).devices();
    }

    private static KvSwapper swapper(KvPlacement policy, double... capacities) {
        List<String> names = new ArrayList<>();
        KvTierSpace[] spaces = new KvTierSpace[capacities.length];
        for (int t = 0; t < capacities.length; t++) {
            names.add("t" + t);
            spaces[t] = new KvTierSpace("t" + t, capacities[t]);
        }
        return new KvSwapper(names, spaces, policy, 1.0, oneDevice(), null, null, null, new KvSwapper.Sequence());
    }

    private static ServingRequest decoding(long id, int prompt, int generated, int blocks) {
        ServingRequest r = new ServingRequest(new RequestSpec(id, 0, prompt, 100, RequestSpec.NO_HASHES));
        r.generated = generated;
        r.prefilled = prompt + generated;
        r.blocks = blocks;
        return r;
    }

    @Test
    void vllmSwapsTheNewestOutAndBringsItBackBeforeAnyNewPrompt() {
        SchedulerState s = new SchedulerState(new KvCache(6, 16), new SchedulerConfig("vllm", 1000, 256, 16, 0));
        s.swapper = swapper(new FirstFitPlacement(), 100);
        ServingRequest old = decoding(0, 32, 17, 0);    // 49 tokens: its last sampled token's KV needs a 4th block
        ServingRequest young = decoding(1, 32, 10, 0);  // 42 tokens: 3 blocks
        s.kv.allocate(old, 3);
        s.kv.allocate(young, 3);
        s.running.add(old);
        s.running.add(young);
        s.waiting.add(new ServingRequest(new RequestSpec(2, 0, 16, 5, RequestSpec.NO_HASHES)));
        Batch b = new Batch();
        new VllmScheduler().schedule(s, b);
        assertEquals(List.of(old), b.decodes);
        assertEquals(1, young.preemptions);
        assertSame(young, s.swapped.peekFirst(), "swapped out, not back to the waiting queue");
        assertEquals(42, young.prefilled, "its KV survives: nothing to recompute");
        assertEquals(3, young.swappedBlocks);
        assertEquals(0, young.kvTier);
        assertEquals(97, s.swapper.free(0), 1e-9, "3 blocks' bytes booked in the tier");
        assertEquals(4, old.blocks);
        assertTrue(s.swapper.hasPending());

        // old finishes and frees its 4 blocks: young comes back (3 blocks: its 42 tokens fit), and the
        // new prompt still waits, since young was swapped out when this iteration was scheduled
        s.kv.release(old);
        s.running.remove(old);
        b.clear();
        new VllmScheduler().schedule(s, b);
        assertEquals(List.of(young), b.decodes);
        assertTrue(s.swapped.isEmpty());
        assertEquals(3, young.blocks);
        assertEquals(-1, young.kvTier);
        assertEquals(100, s.swapper.free(0), 1e-9);
        assertEquals(1, s.waiting.size(), "no prompt admitted while a request was swapped out");
        assertEquals(1, s.swapper.swapOuts());
        assertEquals(1, s.swapper.swapIns());
    }

    @Test
    void sarathiSwapsInBeforeNewPromptsWithinItsTokenBudget() {
        SchedulerState s = new SchedulerState(new KvCache(8, 16), new SchedulerConfig("sarathi", 64, 256, 16, 0));
        s.swapper = swapper(new FirstFitPlacement(), 100);
        ServingRequest old = decoding(0, 32, 17, 0);
        ServingRequest young = decoding(1, 32, 10, 0);
        s.kv.allocate(old, 3);
        s.kv.allocate(young, 5);
        s.running.add(old);
        s.running.add(young);
        Batch b = new Batch();
        new SarathiScheduler().schedule(s, b); // old needs a 4th block, none free: young is swapped out
        assertEquals(List.of(old), b.decodes);
        assertSame(young, s.swapped.peekFirst());
        assertEquals(5, young.swappedBlocks);
        s.waiting.add(new ServingRequest(new RequestSpec(2, 0, 40, 5, RequestSpec.NO_HASHES)));
        s.kv.release(old); // old finished
        s.running.remove(old);
        b.clear();
        new SarathiScheduler().schedule(s, b); // young back (5 of 8 blocks, 1 token), then the 40-token prompt (3 blocks)
        assertEquals(List.of(young), b.decodes);
        assertEquals(1, b.prefills.size(), "sarathi admits prompts while others are swapped (vLLM's chunked order)");
        assertEquals(40, (int) b.chunkTokens.get(0));
    }

    @Test
    void firstFitFillsTheFastestTierThenTheNextThenRecomputes() {
        KvSwapper w = swapper(new FirstFitPlacement(), 5, 10);
        ServingRequest a = decoding(0, 48, 0, 0);
        ServingRequest b = decoding(1, 48, 0, 0);
        ServingRequest c = decoding(2, 48, 0, 0);
        ServingRequest d = decoding(3, 48, 0, 0);
        assertTrue(w.swapOut(a, 4));
        assertTrue(w.swapOut(b, 4));
        assertTrue(w.swapOut(c, 4));
        assertEquals(0, a.kvTier);
        assertEquals(1, b.kvTier);
        assertEquals(1, c.kvTier);
        assertFalse(w.swapOut(d, 4), "3 + 2 free blocks left: nothing takes 4");
        assertEquals(1, w.fallbacks());
        assertEquals(0, w.demotions());
    }

    @Test
    void lruDemotesTheLeastRecentlySwappedToMakeRoomInTheFastestTier() {
        KvSwapper w = swapper(new LruPlacement(), 8, 8);
        ServingRequest a = decoding(0, 48, 0, 0);
        ServingRequest b = decoding(1, 48, 0, 0);
        ServingRequest c = decoding(2, 48, 0, 0);
        w.beginStep();
        assertTrue(w.swapOut(a, 4));
        assertTrue(w.swapOut(b, 4));
        w.beginStep(); // a later iteration: a and b are no longer moving
        assertTrue(w.swapOut(c, 4));
        assertEquals(1, a.kvTier, "a, swapped out first, went down to make room");
        assertEquals(0, b.kvTier);
        assertEquals(0, c.kvTier, "the newest always lands in the fastest tier");
        assertEquals(1, w.demotions());
        assertEquals(0, w.free(0), 1e-9);
        assertEquals(4, w.free(1), 1e-9);
        // the slowest tier full too: lru cannot demote, falls back to the first tier with room (none) → recompute
        ServingRequest d = decoding(3, 48, 0, 0);
        ServingRequest e = decoding(4, 48, 0, 0);
        w.beginStep();
        assertTrue(w.swapOut(d, 4)); // demotes b into tier 1's last 4 blocks
        assertEquals(1, b.kvTier);
        assertFalse(w.swapOut(e, 4), "both tiers full of requests moving or with nowhere to go");
    }

    @Test
    void requestsMovingThisStepAreNeverDemotedAgain() {
        KvSwapper w = swapper(new LruPlacement(), 4, 100);
        ServingRequest a = decoding(0, 48, 0, 0);
        ServingRequest b = decoding(1, 48, 0, 0);
        w.beginStep();
        assertTrue(w.swapOut(a, 4));
        assertTrue(w.swapOut(b, 4)); // a is still being written: b cannot push it down, so first-fit puts b in tier 1
        assertEquals(0, a.kvTier);
        assertEquals(1, b.kvTier);
        assertEquals(0, w.demotions());
    }
}
