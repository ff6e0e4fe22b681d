package io.xpusim.model;

/**
 * What one iteration of a serving engine computes, reduced to the sums the cost formulas need.
 *
 * @param prefillTokens        new prompt tokens processed this iteration (all chunks)
 * @param prefillSeqs          sequences with a prefill chunk in the batch
 * @param prefillLastChunks    prefill chunks that finish their prompt (they sample a first token)
 * @param prefillAttentionPairs Σ over chunks of c·(p + (c+1)/2): query–key pairs under a causal mask for a
 *                             chunk of c tokens after p cached ones
 * @param prefillKvTokens      Σ over chunks of (p + c): KV tokens each chunk's attention reads
 * @param decodeSeqs           sequences generating one token each
 * @param decodeKvTokens       Σ over decoding sequences of their context length
 */
public record BatchShape(long prefillTokens, int prefillSeqs, int prefillLastChunks, double prefillAttentionPairs,
                         long prefillKvTokens, int decodeSeqs, long decodeKvTokens) {

    /** Rows of every GEMM: one per new token. */
    public long tokens() {
        return prefillTokens + decodeSeqs;
    }

    /** Tokens sampled this iteration (rows of the LM head). */
    public int sampledTokens() {
        return prefillLastChunks + decodeSeqs;
    }

    public boolean isEmpty() {
        return tokens() == 0;
    }

    /** A pure prefill of {@code seqs} prompts of {@code promptTokens} each, from an empty cache. */
    public static BatchShape prefill(int seqs, long promptTokens) {
        double pairs = seqs * (promptTokens * (promptTokens + 1) / 2.0);
        return new BatchShape(seqs * promptTokens, seqs, seqs, pairs, seqs * promptTokens, 0, 0);
    }

    /** A pure decode step of {@code seqs} sequences each with {@code context} tokens already cached. */
    public static BatchShape decode(int seqs, long context) {
        return new BatchShape(0, 0, 0, 0, 0, seqs, seqs * (context + 1));
    }

    /**
     * The busiest group when the batch's sequences are split as evenly as possible over {@code parts} attention
     * data-parallel groups: ⌈seqs/parts⌉ of the prompt chunks and of the decodes, with the matching fraction of their
     * tokens, attention pairs and KV reads (a sequence is never split between groups).
     */
    public BatchShape largestShare(int parts) {
        if (parts <= 1) {
            return this;
        }
        double p = prefillSeqs == 0 ? 0 : Math.ceil(prefillSeqs / (double) parts) / prefillSeqs;
        double d = decodeSeqs == 0 ? 0 : Math.ceil(decodeSeqs / (double) parts) / decodeSeqs;
        return new BatchShape(Math.round(prefillTokens * p), (int) Math.ceil(prefillSeqs * p),
                (int) Math.ceil(prefillLastChunks * p), prefillAttentionPairs * p, Math.round(prefillKvTokens * p),
                (int) Math.ceil(decodeSeqs * d), Math.round(decodeKvTokens * d));
    }

    /**
     * One of two micro-batches (two-batch overlap): half of everything — tokens, pairs, KV reads — with sequence
     * counts rounded up (a single prompt is split by tokens, as SGLang's two-batch overlap does).
     */
    public BatchShape half() {
        return new BatchShape(Math.round(prefillTokens / 2.0), (prefillSeqs + 1) / 2, (prefillLastChunks + 1) / 2,
                prefillAttentionPairs / 2, Math.round(prefillKvTokens / 2.0), (decodeSeqs + 1) / 2,
                Math.round(decodeKvTokens / 2.0));
    }
}
