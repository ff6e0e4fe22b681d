package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.workload.RequestSpec;
import org.junit.jupiter.api.Test;

/** vLLM v0 batching rules on small hand-checkable cases (16-token blocks). */
class VllmSchedulerTest {
    private final VllmScheduler scheduler = new VllmScheduler();

    private static SchedulerState state(int blocks, int maxTokens, int maxSeqs, double watermark) {
        return new SchedulerState(new KvCache(blocks, 16), new SchedulerConfig("vllm", maxTokens, maxSeqs, 16, watermark));
    }

    private static ServingRequest request(long id, int input, int output) {
        return new ServingRequest(new RequestSpec(id, 0, input, output, RequestSpec.NO_HASHES));
    }

    @Test
    void promptsAreAdmittedInOrderUntilTheTokenBudgetIsSpent() {
        SchedulerState s = state(1000, 1000, 256, 0);
        s.waiting.add(request(0, 400, 10));
        s.waiting.add(request(1, 500, 10));
        s.waiting.add(request(2, 200, 10)); // 400 + 500 + 200 = 1100 > 1000: waits, FCFS does not skip ahead
        Batch b = new Batch();
        scheduler.schedule(s, b);
        assertEquals(2, b.prefills.size());
        assertEquals(1, s.waiting.size());
        // blocks: ceil(400/16) = 25, ceil(500/16) = 32
        assertEquals(57, s.kv.usedBlocks());
        assertTrue(b.decodes.isEmpty(), "a prompt iteration runs only prompts");
    }

    @Test
    void maxSeqsAndTheWatermarkHoldBackPrompts() {
        SchedulerState seqs = state(1000, 100_000, 2, 0);
        for (int i = 0; i < 3; i++) {
            seqs.waiting.add(request(i, 16, 1));
        }
        Batch b = new Batch();
        scheduler.schedule(seqs, b);
        assertEquals(2, b.prefills.size(), "max-seqs 2");

        // 100 blocks, watermark 10% = 10 blocks kept free: a 95-block prompt (1520 tokens) must wait
        SchedulerState wm = state(100, 100_000, 256, 0.10);
        wm.waiting.add(request(0, 95 * 16, 1));
        Batch b2 = new Batch();
        scheduler.schedule(wm, b2);
        assertTrue(b2.isEmpty());
        assertEquals(0, wm.kv.usedBlocks());
    }

    @Test
    void decodesRunWhenNoPromptCanBeAdmitted() {
        SchedulerState s = state(100, 1000, 256, 0);
        ServingRequest r = request(0, 32, 5);
        s.waiting.add(r);
        Batch b = new Batch();
        scheduler.schedule(s, b);
        r.prefilled = 32;
        r.generated = 1; // the prompt iteration produced the first token
        b.clear();
        scheduler.schedule(s, b);
        assertEquals(1, b.decodes.size());
        // context 33 tokens needs ceil(33/16) = 3 blocks; the prompt held 2, so one more was allocated
        assertEquals(3, r.blocks);
    }

    @Test
    void runningOutOfBlocksPreemptsTheNewestByRecompute() {
        SchedulerState s = state(4, 1000, 256, 0);
        ServingRequest old = request(0, 32, 100);
        ServingRequest young = request(1, 32, 100);
        s.waiting.add(old);
        s.waiting.add(young);
        Batch b = new Batch();
        scheduler.schedule(s, b); // both admitted: 2 + 2 = 4 blocks, cache full
        assertEquals(4, s.kv.usedBlocks());
        for (ServingRequest r : b.prefills) {
            r.prefilled = 32;
            r.generated = 1;
        }
        b.clear();
        scheduler.schedule(s, b); // old needs a 3rd block (33 tokens): the newest, young, is preempted
        assertEquals(1, b.decodes.size());
        assertSame(old, b.decodes.get(0));
        assertEquals(1, young.preemptions);
        assertEquals(0, young.blocks);
        assertEquals(0, young.prefilled, "recompute: its KV is gone");
        assertSame(young, s.waiting.peek(), "preempted requests go back to the head of the queue");
        assertEquals(33, young.prefillTarget(), "it will re-prefill its prompt plus the token it produced");
        assertEquals(3, s.kv.usedBlocks());
    }
}
