package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.Locale;

/**
 * Orca's iteration-level scheduling (Yu et al., "Orca: A Distributed Serving System for Transformer-Based
 * Generative Models", OSDI'22, Algorithm 1), without paging: requests join and leave the batch at every
 * iteration, and an iteration mixes whole prompts of newly admitted requests with one decode token of every
 * running one (selective batching). A request is admitted only if the KV slots for its prompt plus its
 * reserved output ({@code kv-reserve}: Orca reserves max_tokens up front) fit beside what the running
 * requests reserved; the reservation is held until the request finishes, so KV never runs out mid-generation
 * and nothing is ever preempted.
 *
 * <p>Semantics chosen: every running request decodes every iteration; then waiting requests are admitted in the
 * admission order (FCFS by default; no skipping ahead) while running requests stay within max-seqs, the
 * iteration's new tokens (one per decode plus whole prompts) within max-batched-tokens, and reservations within
 * the KV cache.
 * Reservations are counted in whole KV blocks of block-size tokens (set block-size: 1 for Orca's
 * token-exact slots); the watermark does not apply, as reservations never grow.
 */
public final class OrcaScheduler implements BatchScheduler {
    @Override
    public void schedule(SchedulerState s, Batch out) {
        out.decodes.addAll(s.running); // all prompts finished in the iteration that admitted them
        int tokens = out.decodes.size();
        while (!s.waiting.isEmpty()) {
            ServingRequest r = s.waiting.peek();
            int prompt = r.prefillTarget();
            if (s.running.size() + 1 > s.config.maxSeqs() || tokens + prompt > s.config.maxBatchedTokens()) {
                break;
            }
            int blocks = s.kv.blocksFor(s.config.reservedTokens(r.spec.inputTokens(), r.spec.outputTokens()));
            if (blocks > s.kv.freeBlocks()) {
                break;
            }
            s.waiting.poll();
            s.kv.allocate(r, blocks);
            s.running.add(r);
            out.addPrefill(r, prompt);
            tokens += prompt;
        }
    }

    @Override
    public boolean reservesKv() {
        return true;
    }

    @Override
    public String neverRuns(RequestSpec s, KvCache kv, SchedulerConfig c) {
        return reservingNeverRuns(s, kv, c);
    }

    /** Why a policy that admits whole prompts and reserves prompt + reserved output up front can never run it. */
    static String reservingNeverRuns(RequestSpec s, KvCache kv, SchedulerConfig c) {
        if (s.inputTokens() > c.maxBatchedTokens()) {
            return String.format(Locale.ROOT, "prompt longer than max-batched-tokens: %d > %d",
                    s.inputTokens(), c.maxBatchedTokens());
        }
        long output = c.reservedOutputTokens(s.inputTokens(), s.outputTokens());
        long reserved = c.reservedTokens(s.inputTokens(), s.outputTokens());
        if (kv.blocksFor(reserved) > kv.totalBlocks()) {
            return String.format(Locale.ROOT, "larger than the whole KV cache: reserves %d blocks (prompt %d + %d output "
                    + "tokens, kv-reserve %s), the cache holds %d", kv.blocksFor(reserved), s.inputTokens(), output,
                    c.kvReserve().yamlName(), kv.totalBlocks());
        }
        return null;
    }
}
