package io.xpusim.serving;

/**
 * What of a served model lives in host memory instead of device memory ({@code strategy.offload}).
 *
 * @param weightsOnCpu       weights stay in host DRAM and stream to the device layer by layer every iteration
 *                           (FlexGen / DeepSpeed-Inference), prefetching the next layer while this one computes into a
 *                           double buffer of two layers in device memory
 * @param weightsOnGpu       with weightsOnCpu: the fraction of every layer's weights kept resident on the device
 *                           (FlexGen's weight percent on GPU); the rest streams
 * @param attentionOnCpu     the KV cache lives in host DRAM and decode attention runs on the host CPU where it lives
 *                           (FlexGen's CPU compute delegation, FastDecode): only the new tokens' q/k/v cross to the
 *                           host and the attention outputs back, per layer; prompts' attention stays on the device and
 *                           their KV is copied to the host
 */
public record OffloadConfig(boolean weightsOnCpu, double weightsOnGpu, boolean attentionOnCpu) {
    /** Everything on the device. */
    public static final OffloadConfig NONE = new OffloadConfig(false, 1.0, false);

    public OffloadConfig {
        if (!(weightsOnGpu >= 0 && weightsOnGpu <= 1)) {
            throw new IllegalArgumentException("weightsOnGpu must be in [0, 1]: " + weightsOnGpu);
        }
    }

    /** Whether anything is offloaded. */
    public boolean any() {
        return weightsOnCpu || attentionOnCpu;
    }

    /** Fraction of the weights streamed from the host every iteration. */
    public double streamedWeightFraction() {
        return weightsOnCpu ? 1 - weightsOnGpu : 0;
    }
}
