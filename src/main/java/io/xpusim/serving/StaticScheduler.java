package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Request-level (static) batching as NVIDIA FasterTransformer serves behind Triton: a batch is formed from
 * the requests waiting when the replica is free, runs one iteration prefilling all their prompts, then
 * decodes until its <em>last</em> request finishes; requests arriving meanwhile wait for the whole batch.
 * The Orca paper (Yu et al., OSDI'22, §2.2) and the vLLM paper (Kwon et al., SOSP'23) use it as the
 * baseline that iteration-level scheduling beats.
 *
 * <p>Semantics chosen, following FasterTransformer's GPT decoding loop ({@code ParallelGpt::forward}):
 * <ul>
 *   <li>Formation: FCFS from the head of the queue, no queue delay, while the batch stays within max-seqs,
 *       its prompts within max-batched-tokens, and its KV reservation within the cache.</li>
 *   <li>KV: FasterTransformer allocates its cache as batch × max sequence length, so every member reserves
 *       the batch's longest prompt plus its longest reserved output (see {@code kv-reserve}), capped at
 *       max-model-len, for the whole batch; nothing is allocated later and nothing is ever preempted.</li>
 *   <li>Finished members keep their slot: the decoder runs the whole batch each step and only masks finished
 *       sequences (its attention kernel skips them), so they stay as GEMM and LM-head rows
 *       ({@link Batch#idleSlots}) until the loop stops when every member has finished.</li>
 *   <li>Tokens are timed as they are produced (streaming), so TTFT is the end of the batch's prefill and a
 *       request's end is its own last token; the slot it held is only freed with the batch.</li>
 *   <li>Prompts are not padded to the batch's longest (FasterTransformer's context decoder removes padding).</li>
 * </ul>
 */
public final class StaticScheduler implements BatchScheduler {
    /** The batch being run (one scheduler instance per replica). */
    private final List<ServingRequest> members = new ArrayList<>();
    /** Holds the batch's KV reservation, so members finishing early do not give their slots back. */
    private final ServingRequest reservation = new ServingRequest(new RequestSpec(-1, 0, 0, 0, RequestSpec.NO_HASHES));

    @Override
    public void schedule(SchedulerState s, Batch out) {
        if (s.running.isEmpty()) {
            s.kv.release(reservation);
            members.clear();
            formBatch(s, out);
            return;
        }
        for (ServingRequest r : members) {
            if (r.finished()) {
                out.idleSlots++;
            } else {
                out.decodes.add(r);
            }
        }
    }

    private void formBatch(SchedulerState s, Batch out) {
        int tokens = 0;
        int longestPrompt = 0;
        long longestOutput = 0;
        int blocks = 0;
        while (!s.waiting.isEmpty()) {
            ServingRequest r = s.waiting.peek();
            int prompt = r.prefillTarget();
            if (members.size() + 1 > s.config.maxSeqs() || tokens + prompt > s.config.maxBatchedTokens()) {
                break;
            }
            int p = Math.max(longestPrompt, prompt);
            long o = Math.max(longestOutput, s.config.reservedOutputTokens(r.spec.inputTokens(), r.spec.outputTokens()));
            int wanted = (members.size() + 1) * s.kv.blocksFor(Math.min(p + o, s.config.maxModelLen()));
            if (wanted > s.kv.freeBlocks()) {
                break;
            }
            s.waiting.poll();
            members.add(r);
            s.running.add(r);
            out.addPrefill(r, prompt);
            tokens += prompt;
            longestPrompt = p;
            longestOutput = o;
            blocks = wanted;
        }
        if (blocks > 0) {
            s.kv.allocate(reservation, blocks);
        }
    }

    @Override
    public boolean reservesKv() {
        return true;
    }

    @Override
    public String neverRuns(RequestSpec s, KvCache kv, SchedulerConfig c) {
        return OrcaScheduler.reservingNeverRuns(s, kv, c);
    }
}
