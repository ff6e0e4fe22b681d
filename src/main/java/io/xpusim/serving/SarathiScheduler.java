package io.xpusim.serving;

/**
 * Sarathi-Serve's stall-free batching with chunked prefill (Agrawal et al., "Taming Throughput-Latency
 * Tradeoff in LLM Inference with Sarathi-Serve", OSDI'24, Algorithm 2): every iteration has a token budget
 * (max-batched-tokens, e.g. 512 for strict and 2048 for relaxed TBT SLOs). Decodes come first — every
 * running sequence whose prompt is done gets its token, so a long prompt never stalls them — then the budget
 * left goes to prompt chunks: first to partially prefilled requests in admission order, then to waiting
 * requests admitted FCFS, each taking min(its remaining prompt, the budget left). The KV cache is paged as in
 * vLLM: admission allocates blocks for the whole prompt above the watermark; a decode that needs a block
 * when none is free preempts the most recently admitted sequence by recompute (or by swap, see {@link VllmScheduler}; new
 * prompts are still admitted while requests are swapped out, as in vLLM's chunked-prefill scheduler).
 *
 * <p>Because a request is admitted only when it gets at least one token of the budget after every decode
 * and earlier chunk, the running sequences never outnumber the budget, so the decodes alone never exceed it
 * (with speculative decoding each decode counts 1 + k tokens of the budget and may exceed it; prompts then wait).
 */
public final class SarathiScheduler implements BatchScheduler {
    @Override
    public void schedule(SchedulerState s, Batch out) {
        int budget = s.config.maxBatchedTokens();
        s.beginStep();
        int tokens = scheduleDecodes(s, out);
        tokens += s.swapIn(out, budget - tokens); // swapped requests resume before new prompts (vLLM's chunked order)
        for (ServingRequest r : s.running) {
            if (tokens >= budget) {
                return;
            }
            if (!r.prefillDone()) {
                int chunk = Math.min(r.prefillTarget() - r.prefilled, budget - tokens);
                out.addPrefill(r, chunk);
                tokens += chunk;
            }
        }
        int watermarkBlocks = (int) Math.ceil(s.config.watermark() * s.kv.totalBlocks());
        while (!s.waiting.isEmpty() && tokens < budget && s.running.size() < s.config.maxSeqs()) {
            ServingRequest r = s.waiting.peek();
            if (s.kv.freeBlocks() - s.kv.admissionBlocks(r) < watermarkBlocks) {
                break;
            }
            int prompt = s.admit(); // the prefill target less any cached prefix
            int chunk = Math.min(prompt, budget - tokens);
            out.addPrefill(r, chunk);
            tokens += chunk;
        }
    }

    /** One token for every running sequence past its prompt, preempting the newest when a block is missing. */
    private static int scheduleDecodes(SchedulerState s, Batch out) {
        int i = 0;
        while (i < s.running.size()) {
            ServingRequest r = s.running.get(i);
            if (!r.prefillDone()) {
                i++;
                continue;
            }
            int needed = s.decodeBlocksNeeded(r);
            while (needed > s.kv.freeBlocks()) {
                s.preempt(s.running.get(s.running.size() - 1)); // may be r itself, or a request mid-prompt
                if (i >= s.running.size()) {
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
        return out.decodes.size() * (1 + s.lookahead); // a speculative decode verifies 1 + k tokens
    }

    @Override
    public boolean chunksPrompts() {
        return true;
    }
}
