package io.xpusim.serving;

/**
 * What of a served model lives outside device memory ({@code strategy.offload}).
 *
 * @param weightsOnCpu  weights stay in host DRAM and stream to the device layer by layer every iteration
 *                      (FlexGen / DeepSpeed-Inference), prefetching the next layer while this one computes into a
 *                      double buffer of two layers in device memory
 * @param weightsOnGpu  with weightsOnCpu: the fraction of every layer's weights kept resident on the device (FlexGen's
 *                      weight percent on GPU); the rest streams
 * @param attention     where decode attention runs and the KV cache lives: {@link #ON_DEVICE}, or the name of an
 *                      {@link AttentionOffloads} target — {@code cpu} (host DRAM and the host CPU: FlexGen's CPU compute
 *                      delegation, FastDecode) or {@code csd} (the node's computational storage drives: InstInfer).
 *                      Only the new tokens' q/k/v cross to the target and the attention outputs back, per layer;
 *                      prompts' attention stays on the device and their KV is copied to the target
 */
public record OffloadConfig(boolean weightsOnCpu, double weightsOnGpu, String attention) {
    /** {@code attention: none}: KV cache and attention on the device. */
    public static final String ON_DEVICE = "none";
    /** Everything on the device. */
    public static final OffloadConfig NONE = new OffloadConfig(false, 1.0, ON_DEVICE);

    public OffloadConfig {
        if (!(weightsOnGpu >= 0 && weightsOnGpu <= 1)) {
            throw new IllegalArgumentException("weightsOnGpu must be in [0, 1]: " + weightsOnGpu);
        }
        if (!attention.equals(ON_DEVICE) && !AttentionOffloads.names().contains(attention)) {
            throw new IllegalArgumentException("unknown attention target '" + attention + "'; known: none, "
                    + AttentionOffloads.names());
        }
    }

    /** Whether anything is offloaded. */
    public boolean any() {
        return weightsOnCpu || attentionOffloaded();
    }

    /** Whether decode attention (and the KV cache) leaves the device. */
    public boolean attentionOffloaded() {
        return !attention.equals(ON_DEVICE);
    }

    /** Whether decode attention runs on the host CPU, whose cores it then shares with the host threads. */
    public boolean attentionOnCpu() {
        return attention.equals(AttentionOffloads.CPU);
    }

    /** Fraction of the weights streamed from the host every iteration. */
    public double streamedWeightFraction() {
        return weightsOnCpu ? 1 - weightsOnGpu : 0;
    }
}
