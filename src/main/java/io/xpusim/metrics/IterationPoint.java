package io.xpusim.metrics;

/**
 * One timed serving iteration of a {@code kind: iteration} scenario: a prefill of {@code batch} prompts on node group
 * {@code group}'s first device, what its host thread spent launching the kernels, what the device spent running them,
 * the serial host overheads after them, and the iteration's wall time.
 */
public record IterationPoint(int group, String node, int batch, long tokens, double hostLaunchSeconds,
                             double deviceSeconds, double serialSeconds, double iterationSeconds) {
    /** Whether the host launches took longer than the device's kernels (the device waited for the host). */
    public boolean cpuBound() {
        return hostLaunchSeconds > deviceSeconds;
    }
}
