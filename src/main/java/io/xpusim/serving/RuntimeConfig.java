package io.xpusim.serving;

/**
 * Host-side costs of the serving runtime (the framework around the kernels), as spent on the reference core (single
 * thread speed 1.0, see {@link io.xpusim.hardware.DeviceProfile#singleThreadSpeed}); a host CPU of speed s spends each
 * of them / s.
 *
 * @param frameworkOverheadPerKernelPicos host CPU time per kernel on top of the raw launch: Python and
 *                                        framework dispatch in an eager runtime
 * @param iterationOverheadPicos          host CPU time per iteration that does not overlap the GPU:
 *                                        scheduling, sampling synchronisation
 * @param perSequenceOverheadPicos        host CPU time per sequence in the batch per iteration that does not
 *                                        overlap the GPU: input preparation, sampling and detokenisation
 * @param prefillOverheadPicos            extra host CPU time of an iteration that contains prompt tokens
 *                                        (prompt metadata, slot mapping), not overlapped with the GPU
 * @param cudaGraphs                      decode-only iterations replay a captured CUDA graph: one launch, no per-kernel
 *                                        framework time (vLLM/SGLang capture decode batches; prompts run eagerly)
 * @param kernelFusion                    element-wise operators (norms, rotary + KV write, activation, residual add)
 *                                        fused into the neighbouring GEMM or attention kernel: fewer launches
 */
public record RuntimeConfig(long frameworkOverheadPerKernelPicos, long iterationOverheadPicos,
                            long perSequenceOverheadPicos, long prefillOverheadPicos, boolean cudaGraphs,
                            boolean kernelFusion) {

    /** The eager runtime: no CUDA graphs, no fusion. */
    public RuntimeConfig(long frameworkOverheadPerKernelPicos, long iterationOverheadPicos, long perSequenceOverheadPicos,
                         long prefillOverheadPicos) {
        this(frameworkOverheadPerKernelPicos, iterationOverheadPicos, perSequenceOverheadPicos, prefillOverheadPicos,
                false, false);
    }
}
