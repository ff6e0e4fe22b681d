package io.xpusim.serving;

/**
 * Prefill/decode disaggregation (DistServe, Splitwise): a pool of prefill replicas that run prompts only and a
 * pool of decode replicas that continue from the first token, each with its own tensor-parallel degree on the
 * same device type — and, for mixture-of-experts models, its own attention-DP and expert-parallel degrees (DeepSeek
 * serves prefill at EP32 and decode at EP144). Devices are assigned in order: prefill replicas first, then decode
 * replicas.
 */
public record Disaggregation(int prefillReplicas, int prefillTp, int decodeReplicas, int decodeTp,
                             int prefillAttentionDp, int prefillEp, int decodeAttentionDp, int decodeEp) {
    public Disaggregation {
        if (prefillReplicas < 1 || decodeReplicas < 1 || prefillTp < 1 || decodeTp < 1) {
            throw new IllegalArgumentException("disaggregation needs at least one replica of tp ≥ 1 in each pool");
        }
        if (prefillAttentionDp < 1 || decodeAttentionDp < 1 || prefillEp < 1 || decodeEp < 1) {
            throw new IllegalArgumentException("attention-dp and ep must be ≥ 1 in each pool");
        }
    }

    public Disaggregation(int prefillReplicas, int prefillTp, int decodeReplicas, int decodeTp) {
        this(prefillReplicas, prefillTp, decodeReplicas, decodeTp, 1, 1, 1, 1);
    }

    /** Devices of one prefill replica: attention groups × tp. */
    public int prefillDevicesPerReplica() {
        return prefillAttentionDp * prefillTp;
    }

    /** Devices of one decode replica: attention groups × tp. */
    public int decodeDevicesPerReplica() {
        return decodeAttentionDp * decodeTp;
    }

    public int devices() {
        return prefillReplicas * prefillDevicesPerReplica() + decodeReplicas * decodeDevicesPerReplica();
    }

    /** The serving config of the prefill pool, from the shared one. */
    public ServingConfig prefillConfig(ServingConfig c) {
        return pool(c, prefillTp, prefillAttentionDp, prefillEp);
    }

    /** The serving config of the decode pool, from the shared one. */
    public ServingConfig decodeConfig(ServingConfig c) {
        return pool(c, decodeTp, decodeAttentionDp, decodeEp);
    }

    private static ServingConfig pool(ServingConfig c, int tp, int attentionDp, int ep) {
        ServingConfig p = c.withTp(tp);
        return c.moe() == null ? p : p.withMoe(c.moe().withGroups(attentionDp, ep));
    }
}
