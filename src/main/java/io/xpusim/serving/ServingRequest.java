package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;

/** A request's live state inside a replica: how far its prompt and output have got, and its KV blocks. */
public final class ServingRequest {
    final RequestSpec spec;
    /**
     * Context tokens processed: prompt (and recomputed output) tokens prefilled so far, then each sampled token
     * as it is emitted (its KV is written by the next decode step), so that from the end of the prefill on it
     * equals {@link #prefillTarget()} and {@link #prefillDone()} tells decoding requests from prefilling ones.
     * Reset to 0 when preempted for recompute.
     */
    int prefilled;
    int generated;
    int blocks;
    /** Of {@link #blocks}, those in prefix-cache entries (shared, refcounted) rather than owned. */
    int sharedBlocks;
    /** Prefix-cache entries this request uses, leading hash blocks first. */
    final java.util.List<PrefixCache.Entry> cacheRefs = PrefixCache.newRefList();
    int preemptions;
    /** Swapped out (preemption by swap): the offload tier holding its KV (index into the replica's tiers), else -1. */
    int kvTier = -1;
    /** Swapped out: the KV blocks it held, restored when it is swapped back in. */
    int swappedBlocks;
    /** Swapped out: its place in the run's swap-out order (least recently swapped out first). */
    long swapSeq;
    /** The engine (pipeline virtual engine) of its replica that holds it; 0 unless the replica has pp > 1. */
    int engine;
    /** Prefill/decode disaggregation: its KV hand-off while under way, else null. */
    KvHandoff.Transit transit;
    /** Order of arrival at this replica's admission queue (the last tie-break). */
    long enqueueSeq;
    long firstTokenPicos = -1;
    /** When the latest token was emitted, for time-between-tokens. */
    long lastTokenPicos = -1;
    long finishPicos = -1;

    ServingRequest(RequestSpec spec) {
        this.spec = spec;
    }

    public RequestSpec spec() {
        return spec;
    }

    /** Tokens to prefill before decoding can (re)start: the prompt plus any output recomputed after preemption. */
    int prefillTarget() {
        return spec.inputTokens() + generated;
    }

    /** Tokens whose KV the sequence holds or will hold after this step's token is written. */
    int contextTokens() {
        return spec.inputTokens() + generated;
    }

    /** Whether the request is past its (re)prefill: it decodes, or it has just finished its last prompt chunk. */
    boolean prefillDone() {
        return prefilled >= prefillTarget();
    }

    boolean finished() {
        return generated >= spec.outputTokens();
    }
}
