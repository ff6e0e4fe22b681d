package io.xpusim.serving;

/**
 * Prefill/decode disaggregation (DistServe, Splitwise): a pool of prefill replicas that run prompts only and a
 * pool of decode replicas that continue from the first token, each with its own tensor-parallel degree on the
 * same device type. Devices are assigned in order: prefill replicas first, then decode replicas.
 */
public record Disaggregation(int prefillReplicas, int prefillTp, int decodeReplicas, int decodeTp) {
    public Disaggregation {
        if (prefillReplicas < 1 || decodeReplicas < 1 || prefillTp < 1 || decodeTp < 1) {
            throw new IllegalArgumentException("disaggregation needs at least one replica of tp ≥ 1 in each pool");
        }
    }

    public int devices() {
        return prefillReplicas * prefillTp + decodeReplicas * decodeTp;
    }
}
