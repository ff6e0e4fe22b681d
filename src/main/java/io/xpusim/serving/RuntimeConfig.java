package io.xpusim.serving;

/**
 * Host-side costs of the serving runtime (the framework around the kernels).
 *
 * @param frameworkOverheadPerKernelPicos host CPU time per kernel on top of the raw launch: Python and
 *                                        framework dispatch in an eager runtime
 * @param iterationOverheadPicos          host CPU time per iteration that does not overlap the GPU:
 *                                        scheduling, sampling synchronisation
 * @param perSequenceOverheadPicos        host CPU time per sequence in the batch per iteration that does not
 *                                        overlap the GPU: input preparation, sampling and detokenisation
 * @param prefillOverheadPicos            extra host CPU time of an iteration that contains prompt tokens
 *                                        (prompt metadata, slot mapping), not overlapped with the GPU
 */
public record RuntimeConfig(long frameworkOverheadPerKernelPicos, long iterationOverheadPicos,
                            long perSequenceOverheadPicos, long prefillOverheadPicos) {
}
