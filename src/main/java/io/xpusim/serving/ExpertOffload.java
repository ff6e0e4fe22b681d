package io.xpusim.serving;

import io.xpusim.model.ModelSpec;
import io.xpusim.units.Precision;

/**
 * Expert offloading for a memory-poor deployment (Mixtral-offloading, MoE-Infinity, Fiddler): the routed experts live
 * in a memory tier of the node ({@code tier}: host DRAM, or an NVMe/CXL tier), and the GPU holds only a cache of them.
 * A needed expert that is not cached is fetched over the device's host link as a real flow (one at a time per device,
 * as copies on one stream), stalling its layer; or, with {@code cpuCompute}, computed by the host CPU when that is
 * cheaper than moving it.
 *
 * @param tier              where the experts live: {@code cpu} (the GPU's socket DRAM) or a node tier name
 * @param cachePolicy       an {@link ExpertCaches} name
 * @param cachePerLayer     cache size in experts of every MoE layer (each layer its own cache), or -1
 * @param cacheTotal        cache size in experts over all MoE layers (one cache shared by the layers), or -1
 * @param prefetchAccuracy  probability the predictor names each of the next layer's experts, or -1 for no prefetch
 * @param coldPrecision     precision of the tier's copies (moved at it, dequantised on arrival), or null: the weights'
 * @param cpuCompute        compute a missed expert on the host CPU when its cost there is lower than moving it
 */
public record ExpertOffload(String tier, String cachePolicy, int cachePerLayer, int cacheTotal, double prefetchAccuracy,
                            Precision coldPrecision, boolean cpuCompute) {

    public ExpertOffload {
        if ((cachePerLayer < 0) == (cacheTotal < 0)) {
            throw new IllegalArgumentException("give the cache size per layer or in total, not both");
        }
        if (prefetchAccuracy > 1) {
            throw new IllegalArgumentException("prefetch accuracy is a probability");
        }
    }

    public boolean prefetch() {
        return prefetchAccuracy >= 0;
    }

    /** Expert slots of the cache over all MoE layers. */
    public int cacheSlots(ModelSpec m) {
        return cachePerLayer >= 0 ? cachePerLayer * m.moeLayers() : cacheTotal;
    }

    /**
     * Expert slots outside the cache that fetched experts land in: two layers' top-k (the layer being computed and the
     * next one's prefetches). A batch touching more experts in a layer streams them through these slots one by one.
     */
    public static int stagingSlots(ModelSpec m) {
        return 2 * m.moe().topK();
    }

    /**
     * Weight bytes on one of {@code tp} devices: everything but the routed experts, plus the cache's and the staging
     * slots' experts (each device holds a 1/tp slice of each, at the weights' precision).
     */
    public double gpuWeightBytes(ModelSpec m, int tp, Precision weights) {
        double routed = m.routedExpertParameters() / tp * weights.bytesPerElement();
        double slots = cacheSlots(m) + stagingSlots(m);
        return m.weightBytesPerRank(tp, weights) - routed + slots * m.expertParameters() / tp * weights.bytesPerElement();
    }

    /** Bytes of one routed expert in the tier (at the cold precision, else the weights'). */
    public double tierExpertBytes(ModelSpec m, Precision weights) {
        return m.expertParameters() * (coldPrecision == null ? weights : coldPrecision).bytesPerElement();
    }

    /** Whether fetched experts arrive at a lower precision than the weights' and must be dequantised on the GPU. */
    public boolean dequantises(Precision weights) {
        return coldPrecision != null && coldPrecision.bytesPerElement() < weights.bytesPerElement();
    }
}
