package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;

/** A request's live state inside a replica: how far its prompt and output have got, and its KV blocks. */
public final class ServingRequest {
    final RequestSpec spec;
    /** Tokens whose KV is in the cache from prefill (reset to 0 when preempted for recompute). */
    int prefilled;
    int generated;
    int blocks;
    int preemptions;
    long firstTokenPicos = -1;
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

    boolean prefillDone() {
        return prefilled >= prefillTarget();
    }

    boolean finished() {
        return generated >= spec.outputTokens();
    }
}
