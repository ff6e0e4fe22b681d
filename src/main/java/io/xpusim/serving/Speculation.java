package io.xpusim.serving;

import io.xpusim.model.ModelSpec;

/**
 * Speculative decoding with a draft model on the target's own devices (same tensor-parallel degree), on a device of
 * its own, or on the host CPU (see {@link DraftDevice}): each decode
 * iteration the draft proposes {@code tokens} tokens by that many sequential decode passes, the target verifies them in
 * one pass over tokens + 1 positions per sequence, and a sequence keeps the leading accepted drafts plus one token of
 * its own. Each draft token is accepted independently with probability {@code acceptance}, drawn from the random stream
 * "speculation/&lt;replica&gt;" of the scenario seed.
 *
 * @param draft      the draft model (dense)
 * @param tokens     draft tokens proposed per iteration, k
 * @param acceptance per-token acceptance probability α, 0 &lt; α &lt; 1
 * @param seed       master seed the acceptance streams derive from
 * @param device     where the draft runs
 */
public record Speculation(ModelSpec draft, int tokens, double acceptance, long seed, DraftDevice device) {
    public static final int MAX_TOKENS = 16;
    /** Bytes of one token id crossing between the draft's device and the target's (int32). */
    public static final double TOKEN_ID_BYTES = 4;

    /** Where the draft model runs. */
    public enum DraftDevice {
        /** The target replica's devices, at its tp. */
        SAME,
        /** One device of its own per replica, taken from the cluster after every replica's devices, at tp 1. */
        SPARE,
        /** One CPU socket of the replica's node, at tp 1, computing in its own cost model. */
        HOST_CPU;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        public static java.util.List<String> yamlNames() {
            return java.util.Arrays.stream(values()).map(DraftDevice::yamlName).toList();
        }

        public static DraftDevice fromYaml(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    public Speculation(ModelSpec draft, int tokens, double acceptance, long seed) {
        this(draft, tokens, acceptance, seed, DraftDevice.SAME);
    }

    /** Whether the draft shares the target's devices (its weights and KV in their memory). */
    public boolean onTargetDevices() {
        return device == DraftDevice.SAME;
    }

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
