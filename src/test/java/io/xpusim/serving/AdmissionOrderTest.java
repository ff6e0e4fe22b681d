package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Admission orders on hand-checkable queues: one replica busy with a running request while three prompts of 900,
 * 100 and 500 tokens wait (arriving in that order); max-seqs 2 leaves one slot, so requests are admitted one at a
 * time and the admission order is the order of their first prefill. Every policy shares the same queue.
 */
class AdmissionOrderTest {
    private static final List<String> POLICIES = List.of("static", "orca", "vllm", "sarathi");

    private static SchedulerState state(String policy, int maxSeqs, AdmissionOrder order) {
        return new SchedulerState(new KvCache(1000, 16),
                new SchedulerConfig(policy, 4096, maxSeqs, 16, 0).withAdmission(order));
    }

    private static ServingRequest request(long id, long arrival, int input, int output, int priority) {
        return new ServingRequest(new RequestSpec(id, arrival, input, output, RequestSpec.NO_HASHES, priority));
    }

    /** Ids in the order of their first prefill, after a busy request and the three waiting prompts. */
    private static List<Long> admissionOrder(String policy, AdmissionOrder order, int[] priorities) {
        // static batches do not take newcomers while running: its batch of one is the busy replica
        SchedulerState s = state(policy, policy.equals("static") ? 1 : 2, order);
        BatchScheduler scheduler = BatchSchedulers.create(policy);
        s.waiting.add(request(0, 0, 50, 5, 0));
        Iterations.step(scheduler, s); // the busy one is running
        int[] prompts = {900, 100, 500};
        for (int i = 0; i < prompts.length; i++) {
            s.waiting.add(request(i + 1, i + 1, prompts[i], 1, priorities[i]));
        }
        List<Long> admitted = new ArrayList<>();
        for (Batch b : Iterations.drain(scheduler, s, 100)) {
            for (ServingRequest r : b.prefills) {
                if (r.spec.id() > 0 && !admitted.contains(r.spec.id())) {
                    admitted.add(r.spec.id());
                }
            }
        }
        return admitted.stream().map(id -> (long) prompts[id.intValue() - 1]).toList();
    }

    @Test
    void fcfsAdmitsInArrivalOrder() {
        for (String policy : POLICIES) {
            assertEquals(List.of(900L, 100L, 500L), admissionOrder(policy, AdmissionOrder.FCFS, new int[3]), policy);
        }
    }

    @Test
    void sjfAdmitsTheShortestPromptFirst() {
        for (String policy : POLICIES) {
            assertEquals(List.of(100L, 500L, 900L), admissionOrder(policy, AdmissionOrder.SJF, new int[3]), policy);
        }
    }

    @Test
    void priorityAdmitsLowerValuesFirstThenByArrival() {
        for (String policy : POLICIES) {
            // the 500-token prompt arrives last but has priority 0; the others 1: then arrival order
            assertEquals(List.of(500L, 900L, 100L), admissionOrder(policy, AdmissionOrder.PRIORITY, new int[] {1, 1, 0}),
                    policy);
            assertEquals(List.of(900L, 100L, 500L), admissionOrder(policy, AdmissionOrder.PRIORITY, new int[3]),
                    policy + ": equal priorities are FCFS");
        }
    }

    @Test
    void sjfTiesGoByArrival() {
        AdmissionQueue q = new AdmissionQueue(AdmissionOrder.SJF);
        ServingRequest late = request(2, 20, 100, 1, 0);
        ServingRequest early = request(1, 10, 100, 1, 0);
        q.add(late);
        q.add(early);
        assertSame(early, q.poll());
        assertSame(late, q.poll());
        assertNull(q.poll());
    }

    @Test
    void aPreemptedRequestResumesBeforeAShorterNewOne() {
        for (AdmissionOrder order : AdmissionOrder.values()) {
            // vLLM, 4 blocks of 16: two 32-token prompts fill the cache
            SchedulerState s = new SchedulerState(new KvCache(4, 16),
                    new SchedulerConfig("vllm", 1000, 256, 16, 0).withAdmission(order));
            VllmScheduler scheduler = new VllmScheduler();
            ServingRequest old = request(0, 0, 32, 100, 0);
            ServingRequest young = request(1, 1, 32, 100, 0);
            s.waiting.add(old);
            s.waiting.add(young);
            Iterations.step(scheduler, s); // both prefilled, 4 blocks used, one token each
            ServingRequest tiny = request(2, 2, 8, 1, -5); // shorter and of higher priority than young
            s.waiting.add(tiny);
            Batch b = Iterations.schedule(scheduler, s); // tiny does not fit; old's 33rd token preempts young
            assertEquals(List.of(old), b.decodes, order.yamlName());
            assertEquals(1, young.preemptions, order.yamlName());
            assertSame(young, s.waiting.poll(), order.yamlName() + ": the preempted request resumes first");
            assertSame(tiny, s.waiting.poll(), order.yamlName());
        }
    }
}
