package io.xpusim.serving;

import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;

/**
 * What an offloaded attention moved and computed over a run, counted as its activities are started or finish: the
 * bytes that crossed the devices' host links each way, and of those and of the attention's own KV reads, the bytes
 * written into and read out of the KV cache's memory tier (booked there by {@link ReplicaMemory}).
 */
final class AttentionTraffic {
    private double toTargetBytes;
    private double fromTargetBytes;
    private double tierWriteBytes;
    private double tierReadBytes;
    private double busySeconds;

    /**
     * Counts bytes sent from the devices to the target (q/k/v, prompts' KV), of which {@code intoTierBytes} land in the
     * KV's tier (all of them in host DRAM; only the new and prompts' KV in a drive's flash, q going to its engine).
     */
    void sent(double bytes, double intoTierBytes) {
        toTargetBytes += bytes;
        tierWriteBytes += intoTierBytes;
    }

    /** Counts bytes sent back to the devices (attention outputs), of which {@code fromTierBytes} are read from the tier. */
    void returned(double bytes, double fromTierBytes) {
        fromTargetBytes += bytes;
        tierReadBytes += fromTierBytes;
    }

    /** Counts bytes the attention's own memory traffic read from the KV's tier (its KV; on the host also q, outputs). */
    void read(double bytes) {
        tierReadBytes += bytes;
    }

    /**
     * The completion of one rank's attention in an iteration, made of the activities {@code parts[0]} counts once they
     * are added: passes each on to {@code finished}, and when the last ends counts the attention's time since now.
     */
    Activity.Completion timed(Simulation sim, int[] parts, Activity.Completion finished) {
        long start = sim.now();
        return x -> {
            if (--parts[0] == 0) {
                busySeconds += (sim.now() - start) / 1e12;
            }
            finished.completed(x);
        };
    }

    /** Bytes sent from the devices to the target so far (q/k/v of new tokens, prompts' KV), all ranks. */
    double toTargetBytes() {
        return toTargetBytes;
    }

    /** Bytes sent from the target back to the devices so far (attention outputs), all ranks. */
    double fromTargetBytes() {
        return fromTargetBytes;
    }

    /** Bytes written into the KV's tier so far (prompts' KV and every decoded token's k/v; in host DRAM also q). */
    double tierWriteBytes() {
        return tierWriteBytes;
    }

    /** Bytes read out of the KV's tier so far: the attention's memory traffic (in host DRAM also the outputs sent back). */
    double tierReadBytes() {
        return tierReadBytes;
    }

    /** Seconds the target spent on decode attention, summed over ranks (wall time of each rank's attention). */
    double busySeconds() {
        return busySeconds;
    }
}
