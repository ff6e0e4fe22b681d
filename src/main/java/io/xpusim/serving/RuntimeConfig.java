package io.xpusim.serving;

/**
 * Host-side costs of the serving runtime (the framework around the kernels).
 *
 * @param frameworkOverheadPerKernelPicos host CPU time per kernel on top of the raw launch: Python and
 *                                        framework dispatch in an eager runtime
 * @param iterationOverheadPicos          host CPU time per iteration that does not overlap the GPU:
 *                                        scheduling, input preparation, sampling synchronisation
 */
public record RuntimeConfig(long frameworkOverheadPerKernelPicos, long iterationOverheadPicos) {
}
