package io.xpusim.serving;

/**
 * vLLM's original (v0) continuous-batching policy: when prompts are waiting and fit, an iteration runs
 * only prefills — whole prompts in admission order (FCFS by default), bounded by max-batched-tokens, max-seqs
 * and free KV blocks above a watermark; otherwise it decodes every running sequence one token. When a decoding
 * sequence needs a new block and none is free, the most recently admitted sequence is preempted by
 * recompute (its KV freed; it is re-prefilled later with the output it had so far) or, with
 * {@code preemption: swap}, by swap (its KV moved to an offload tier; while any request is swapped out no new prompt
 * is admitted, and swapped requests come back, first come first served, in an iteration that preempted nobody).
 */
public final class VllmScheduler implements BatchScheduler {
    @Override
    public void schedule(SchedulerState s, Batch out) {
        s.beginStep();
        if (!s.hasSwapped()) {
            admitPrefills(s, out); // vLLM v0 admits no new prompt while requests are swapped out
        }
        if (!out.isEmpty()) {
            return;
        }
        scheduleDecodes(s, out);
        s.swapIn(out, Integer.MAX_VALUE);
    }

    private static void admitPrefills(SchedulerState s, Batch out) {
        int tokens = 0;
        int watermarkBlocks = (int) Math.ceil(s.config.watermark() * s.kv.totalBlocks());
        while (!s.waiting.isEmpty()) {
            ServingRequest r = s.waiting.peek();
            int prompt = s.kv.admissionTokens(r); // the prefill target less any cached prefix
            if (s.running.size() + 1 > s.config.maxSeqs() || tokens + prompt > s.config.maxBatchedTokens()) {
                break;
            }
            if (s.kv.freeBlocks() - s.kv.admissionBlocks(r) < watermarkBlocks) {
                break;
            }
            s.admit();
            out.addPrefill(r, prompt);
            tokens += prompt;
        }
    }

    private static void scheduleDecodes(SchedulerState s, Batch out) {
        int i = 0;
        while (i < s.running.size()) {
            ServingRequest r = s.running.get(i);
            int needed = s.decodeBlocksNeeded(r);
            while (needed > s.kv.freeBlocks()) {
                ServingRequest victim = s.running.get(s.running.size() - 1);
                s.preempt(victim);
                if (victim == r) {
                    break;
                }
            }
            if (i >= s.running.size()) {
                break; // r itself was the victim (victims come from the end); nothing after it is left
            }
            if (needed > 0) {
                s.kv.allocate(r, needed);
            }
            out.decodes.add(r);
            i++;
        }
    }
}
