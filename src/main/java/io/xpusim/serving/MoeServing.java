package io.xpusim.serving;

import io.xpusim.model.ModelSpec;

/**
 * How a mixture-of-experts model is served, DeepSeek/SGLang-style: a replica is {@code attentionDp} attention groups of
 * tp devices each (attention data-parallel: each group runs its share of the batch and holds its share of the KV
 * cache), and with {@code ep} = attentionDp · tp the routed experts are spread over all of the replica's devices
 * (expert parallelism: tokens go to their experts' devices and back by all-to-all). With {@code ep} = 1 the experts
 * are tensor-parallel like a dense MLP (every device holds a 1/tp slice of every expert).
 *
 * @param placement        an {@link io.xpusim.model.ExpertPlacements} name
 * @param redundantExperts extra expert slots per layer (replicate-hot only)
 * @param skew             synthetic router: Zipf exponent of expert popularity (0 = uniform)
 * @param locality         synthetic router: probability a layer keeps the previous layer's popularity ranking
 * @param routingHistogram recorded tokens per expert {@code [moe layer][expert]} replacing the synthetic router, or null
 * @param routingTrace     where the histogram came from (for the summary), or null
 * @param overlap          two micro-batches, each one's all-to-alls hidden behind the other's computation
 * @param seed             master seed the routing streams derive from
 * @param offload          expert offloading to a memory tier with a GPU expert cache, or null (all experts resident)
 */
public record MoeServing(int attentionDp, int ep, String placement, int redundantExperts, double skew, double locality,
                         double[][] routingHistogram, String routingTrace, boolean overlap, long seed,
                         ExpertOffload offload) {

    public MoeServing {
        if (attentionDp < 1 || ep < 1 || redundantExperts < 0) {
            throw new IllegalArgumentException("attention-dp and ep must be ≥ 1, redundant experts ≥ 0");
        }
    }

    /** Tensor-parallel experts on one attention group, uniform routing, round-robin placement, no overlap. */
    public static MoeServing tensorParallel(long seed) {
        return new MoeServing(1, 1, "round-robin", 0, 0, 0, null, null, false, seed, null);
    }

    /** Whether routed experts are spread over the replica's devices (ep &gt; 1). */
    public boolean expertParallel() {
        return ep > 1;
    }

    /** Expert slots per device per MoE layer: experts (+ redundant) / ep, or all experts (sliced) without EP. */
    public int slotsPerDevice(ModelSpec m) {
        return (m.moe().experts() + redundantExperts) / ep;
    }

    /** The same with other attention-DP and EP degrees (a disaggregated pool's). */
    public MoeServing withGroups(int attentionDp, int ep) {
        return new MoeServing(attentionDp, ep, placement, redundantExperts, skew, locality, routingHistogram, routingTrace,
                overlap, seed, offload);
    }
}
