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
    /** Preemption by swap: where preempted KV goes, or null for preemption by recompute. */
    KvSwapper swapper;
    /** Swapped-out requests, in swap-out order (swapped back in first come, first served, as vLLM does). */
    final java.util.ArrayDeque<ServingRequest> swapped = new java.util.ArrayDeque<>();
    /** Whether this iteration has preempted anyone (then nothing is swapped back in: vLLM v0's rule). */
    private boolean preemptedThisStep;
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

    /** Starts scheduling an iteration. */
    void beginStep() {
        preemptedThisStep = false;
        if (swapper != null) {
            swapper.beginStep();
        }
    }

    /** Whether requests are swapped out (vLLM v0 then admits no new prompt). */
    boolean hasSwapped() {
        return !swapped.isEmpty();
    }

    /**
     * Preempts a running request: by swap when a swapper is set and one of its tiers takes the KV (the request then
     * waits, KV intact, in {@link #swapped}), else by recompute (its KV freed, it goes back to the head of the waiting
     * queue to be prefilled again with the output it has).
     */
    void preempt(ServingRequest r) {
        int last = running.size() - 1;
        if (last >= 0 && running.get(last) == r) {
            running.remove(last); // the usual victim: O(1)
        } else {
            running.remove(r);
        }
        int blocks = r.blocks;
        kv.release(r);
        r.preemptions++;
        preemptions++;
        preemptedThisStep = true;
        if (swapper != null && swapper.swapOut(r, blocks)) {
            swapped.addLast(r);
            return;
        }
        r.prefilled = 0;
        waiting.requeue(r);
    }

    /**
     * Brings swapped-out requests back, first swapped first, unless this iteration preempted: each needs its blocks
     * back (and one more page when its next token starts one) above the watermark — on an idle replica regardless of
     * the watermark, so it can always resume — within max-seqs and {@code tokenBudget} tokens (a decode costs 1 +
     * lookahead). It rejoins the running set and, past its prompt, this iteration's decodes. Returns the tokens used.
     */
    int swapIn(Batch out, int tokenBudget) {
        if (swapper == null || preemptedThisStep) {
            return 0;
        }
        int watermarkBlocks = (int) Math.ceil(config.watermark() * kv.totalBlocks());
        int tokens = 0;
        while (!swapped.isEmpty() && running.size() < config.maxSeqs()) {
            ServingRequest r = swapped.peekFirst();
            boolean decodes = r.prefillDone();
            int cost = decodes ? 1 + lookahead : 0;
            int need = r.swappedBlocks;
            if (decodes) {
                long tokensHeld = r.contextTokens();
                if (lookahead > 0) {
                    tokensHeld = Math.min(tokensHeld + lookahead, (long) r.spec.inputTokens() + r.spec.outputTokens());
                }
                need = Math.max(need, kv.blocksFor(tokensHeld));
            }
            boolean idle = running.isEmpty();
            if (tokens + cost > tokenBudget || need > kv.freeBlocks()
                    || (!idle && kv.freeBlocks() - need < watermarkBlocks)) {
                break;
            }
            swapped.pollFirst();
            kv.allocate(r, need);
            swapper.swapIn(r);
            running.add(r);
            if (decodes) {
                out.decodes.add(r);
            }
            tokens += cost;
        }
        return tokens;
    }
}
