package io.xpusim.serving;

import io.xpusim.model.ModelSpec;

/**
 * Speculative decoding with a draft model on the target's own devices (same tensor-parallel degree): each decode
 * iteration the draft proposes {@code tokens} tokens by that many sequential decode passes, the target verifies them in
 * one pass over tokens + 1 positions per sequence, and a sequence keeps the leading accepted drafts plus one token of
 * its own. Each draft token is accepted independently with probability {@code acceptance}, drawn from the random stream
 * "speculation/&lt;replica&gt;" of the scenario seed.
 *
 * @param draft      the draft model (dense)
 * @param tokens     draft tokens proposed per iteration, k
 * @param acceptance per-token acceptance probability α, 0 &lt; α &lt; 1
 * @param seed       master seed the acceptance streams derive from
 */
public record Speculation(ModelSpec draft, int tokens, double acceptance, long seed) {
    public static final int MAX_TOKENS = 16;

    public Speculation {
        if (tokens < 1 || tokens > MAX_TOKENS) {
            throw new IllegalArgumentException("speculative tokens must be 1.." + MAX_TOKENS + ", not " + tokens);
        }
        if (!(acceptance > 0 && acceptance < 1)) {
            throw new IllegalArgumentException("speculative acceptance must be in (0, 1), not " + acceptance);
        }
    }

    /** Expected tokens a sequence emits per verification: E[1 + leading accepted of k] = (1 − α^(k+1)) / (1 − α). */
    public double expectedTokensPerStep() {
        return (1 - Math.pow(acceptance, tokens + 1)) / (1 - acceptance);
    }

    /** Leading successes among k Bernoulli(α) trials (a geometric count truncated at k). */
    public int drawAccepted(org.apache.commons.math3.random.RandomGenerator rng) {
        int accepted = 0;
        while (accepted < tokens && rng.nextDouble() < acceptance) {
            accepted++;
        }
        return accepted;
    }
}
