package io.xpusim.serving;

import java.util.ArrayList;
import java.util.List;

/**
 * The queues a batch scheduler works on: requests waiting for admission (in the configured
 * {@link AdmissionOrder}, preempted ones back at the front) and running ones in admission order, plus the KV
 * cache they share.
 */
public final class SchedulerState {
    final AdmissionQueue waiting;
    final List<ServingRequest> running = new ArrayList<>();
    final KvCache kv;
    final SchedulerConfig config;
    long preemptions;
    /**
     * Draft tokens verified per decode step (speculative decoding; 0 when off): a decoding sequence's step writes KV for
     * its last sampled token plus this many draft tokens.
     */
    int lookahead;

    SchedulerState(KvCache kv, SchedulerConfig config) {
        this.kv = kv;
        this.config = config;
        this.waiting = new AdmissionQueue(config.admission());
    }

    /**
     * Blocks a decoding sequence must hold for this step: its context plus the draft tokens the verification writes
     * (never past its final length, whose extra positions would be discarded anyway).
     */
    int decodeBlocksNeeded(ServingRequest r) {
        long tokens = r.contextTokens();
        if (lookahead > 0) {
            tokens = Math.min(tokens + lookahead, (long) r.spec.inputTokens() + r.spec.outputTokens());
        }
        return kv.blocksFor(tokens) - r.blocks;
    }

    /**
     * Books a token sampled for a running request: its context grows by one (see {@link ServingRequest#prefilled});
     * a request that has all its output leaves the running set and frees its KV blocks. Returns whether it finished.
     */
    boolean emit(ServingRequest r) {
        r.generated++;
        r.prefilled++;
        if (!r.finished()) {
            return false;
        }
        running.remove(r);
        kv.release(r);
        return true;
    }

    /**
     * Admits the head-of-line request: reuses its cached prefix (prefix caching), allocates KV for the rest of its
     * prefill target and adds it to the running set. Returns the tokens still to prefill.
     */
    int admit() {
        ServingRequest r = waiting.poll();
        int tokens = kv.admit(r);
        running.add(r);
        return tokens;
    }

    /** Preempts by recompute: frees the request's KV and puts it at the head of the waiting queue. */
    void preempt(ServingRequest r) {
        int last = running.size() - 1;
        if (last >= 0 && running.get(last) == r) {
            running.remove(last); // the usual victim: O(1)
        } else {
            running.remove(r);
        }
        kv.release(r);
        r.prefilled = 0;
        r.preemptions++;
        preemptions++;
        waiting.requeue(r);
    }
}
