package io.xpusim.serving;

import static io.xpusim.serving.Iterations.drain;
import static io.xpusim.serving.Iterations.request;
import static io.xpusim.serving.Iterations.schedule;
import static io.xpusim.serving.Iterations.state;
import static io.xpusim.serving.Iterations.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Orca's iteration-level scheduling with up-front KV reservations, on hand-checkable cases (16-token blocks). */
class OrcaSchedulerTest {
    private final OrcaScheduler scheduler = new OrcaScheduler();

    @Test
    void admissionStopsWhenReservedKvWouldExceedTheCacheWhereVllmAdmitsByPrompt() {
        // 10 blocks; each request reserves 16 prompt + 48 output = 64 tokens = 4 blocks: two fit, the third waits
        SchedulerState orca = state("orca", 10, 1000, 256, 0);
        SchedulerState vllm = state("vllm", 10, 1000, 256, 0);
        for (int i = 0; i < 3; i++) {
            orca.waiting.add(request(i, 16, 48));
            vllm.waiting.add(request(i, 16, 48));
        }
        assertEquals(2, schedule(scheduler, orca).prefills.size());
        assertEquals(8, orca.kv.usedBlocks());
        assertEquals(1, orca.waiting.size());
        // vLLM allocates only the prompt's block and grows later (preempting if it must): all three start
        assertEquals(3, schedule(new VllmScheduler(), vllm).prefills.size());
        assertEquals(3, vllm.kv.usedBlocks());
    }

    @Test
    void requestsJoinAndLeaveEveryIterationInsideTheirReservationAndNothingIsPreempted() {
        // 9 blocks. a: 16 + 16 = 32 tokens = 2 blocks; b: 16 + 64 = 80 = 5 blocks; c: 16 + 40 = 56 = 4 blocks
        SchedulerState s = state("orca", 9, 1000, 256, 0);
        ServingRequest a = request(0, 16, 16);
        ServingRequest b = request(1, 16, 64);
        ServingRequest c = request(2, 16, 40);
        s.waiting.addAll(List.of(a, b, c));
        Batch first = step(scheduler, s);
        assertEquals(List.of(a, b), first.prefills, "c's 4 blocks do not fit beside 7 reserved");
        assertEquals(7, s.kv.usedBlocks());
        for (int i = 1; i < 16; i++) { // a's 15 decodes: its 16th token
            assertEquals(7, s.kv.usedBlocks(), "decodes grow inside the reservation: no allocation, no preemption");
            Batch d = step(scheduler, s);
            assertEquals(List.of(a, b), d.decodes);
            assertTrue(d.prefills.isEmpty());
        }
        assertTrue(a.finished());
        assertEquals(5, s.kv.usedBlocks(), "a's reservation is returned when it finishes");
        Batch joined = step(scheduler, s);
        assertEquals(List.of(c), joined.prefills, "c joins the iteration right after a leaves, while b still runs");
        assertEquals(List.of(b), joined.decodes, "prompt and decode in one iteration (selective batching)");
        assertEquals(9, s.kv.usedBlocks());
        List<Batch> rest = drain(scheduler, s, 1000);
        assertEquals(64 - 17, rest.size(), "b's remaining 47 tokens; c needs only 39 more");
        assertEquals(0, s.preemptions);
        assertEquals(0, s.kv.usedBlocks());
    }

    @Test
    void decodesAndWholePromptsShareTheTokenBudget() {
        SchedulerState s = state("orca", 1000, 100, 256, 0);
        s.waiting.add(request(0, 60, 10));
        step(scheduler, s);
        s.waiting.add(request(1, 40, 10)); // 1 decode + 40 = 41 ≤ 100
        s.waiting.add(request(2, 60, 10)); // 41 + 60 > 100: waits, whole (no chunking)
        Batch b = schedule(scheduler, s);
        assertEquals(1, b.decodes.size());
        assertEquals(1, b.prefills.size());
        assertEquals(List.of(40), b.chunkTokens);
        assertEquals(1, s.waiting.size());
    }
}
