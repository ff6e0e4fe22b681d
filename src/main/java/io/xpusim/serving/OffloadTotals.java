package io.xpusim.serving;

/**
 * What one replica's offload moved and computed so far, all ranks: for its summary and for booking into the memory
 * tiers ({@link ReplicaMemory}).
 *
 * @param streamedWeightBytes  weight bytes streamed from host memory to the devices
 * @param toTargetBytes        bytes the devices sent to the attention target (q/k/v of new tokens, prompts' KV)
 * @param fromTargetBytes      bytes the target sent back (attention outputs)
 * @param tierWriteBytes       of what was sent, the bytes written into the KV cache's tier
 * @param tierReadBytes        bytes read out of the KV cache's tier: the attention's own memory traffic (the engines'
 *                             KV reads; the host's KV, q and outputs) and, from host DRAM, the outputs sent back
 * @param attentionBusySeconds seconds the target spent on decode attention, summed over ranks
 */
public record OffloadTotals(double streamedWeightBytes, double toTargetBytes, double fromTargetBytes,
                            double tierWriteBytes, double tierReadBytes, double attentionBusySeconds) {
}
