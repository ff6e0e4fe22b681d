package io.xpusim.serving;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.HostCpus;
import io.xpusim.kernel.Simulation;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.Operator;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica's offloaded work in one iteration, run alongside its kernels through the fair-share solver, per rank:
 * the streamed weights crossing the host link from host memory (FlexGen / DeepSpeed-Inference weight streaming), and
 * with attention offloaded its target's work ({@link AttentionOffload}: on the host CPU, or on computational storage
 * drives) — the new tokens' q/k/v sent to it, decode attention computed where the KV lives, the outputs sent back and
 * the prompts' KV copied there.
 *
 * <p>Everything is pipelined layer by layer (prefetch layer i+1 while layer i computes into a double buffer; FlexGen's
 * block schedule overlaps offloaded attention with device compute the same way), so the iteration's offloaded part ends
 * when its slowest stream does, plus a pipeline fill of one layer of the shorter stage of each pipeline: a two-stage
 * pipeline of L equal layers with stage times w and g takes max(L·w, L·g) + min(w, g).
 */
final class OffloadWork {
    private static final String DECODE_ATTENTION = "decode-attention";
    private final Simulation sim;
    private final FairShareSolver solver;
    private final String name;
    private final int layers;
    private final double streamedBytesPerRank;
    private final Resource[][] fromHost;
    private final double h2dBytesPerSecond;
    /** Where decode attention runs, or null when it stays on the device. */
    private final AttentionOffload attention;
    private double streamedBytes;

    OffloadWork(Simulation sim, FairShareSolver solver, String name, Cluster cluster, HostCpus cpus,
                List<Device> devices, ModelSpec m, ServingConfig c, MemoryPlan plan) {
        this.sim = sim;
        this.solver = solver;
        this.name = name;
        this.layers = m.layers();
        this.streamedBytesPerRank = plan.hostWeightBytes();
        int n = devices.size();
        fromHost = new Resource[n][];
        for (int i = 0; i < n; i++) {
            fromHost[i] = cluster.hostPath(devices.get(i), false).toArray(Resource[]::new);
        }
        this.h2dBytesPerSecond = java.util.Arrays.stream(fromHost[0]).mapToDouble(Resource::capacityPerSecond).min()
                .orElse(Double.POSITIVE_INFINITY);
        this.attention = c.offload().attentionOffloaded() ? AttentionOffloads.create(c.offload().attention(),
                new OffloadSite(sim, solver, name, cluster, cpus, devices, m, c)) : null;
    }

    /** The operators the devices run: all but decode attention when it is offloaded. */
    List<Operator> deviceOperators(List<Operator> all) {
        if (attention == null) {
            return all;
        }
        List<Operator> out = new ArrayList<>(all.size());
        for (Operator op : all) {
            if (!op.name().equals(DECODE_ATTENTION)) {
                out.add(op);
            }
        }
        return out;
    }

    /**
     * Starts the iteration's offloaded activities on every rank; {@code done} runs when the last finishes. Returns the
     * pipeline fill to add after it (seconds), given the devices' kernel time for the iteration.
     */
    double start(BatchShape shape, List<Operator> all, double deviceSeconds, Runnable done) {
        List<Activity> acts = new ArrayList<>();
        int[] left = {0};
        Activity.Completion finished = x -> {
            if (--left[0] == 0) {
                done.run();
            }
        };
        double gLayer = deviceSeconds / layers;
        double fill = 0;
        Operator decode = null;
        for (Operator op : all) {
            if (op.name().equals(DECODE_ATTENTION)) {
                decode = op;
            }
        }
        for (int r = 0; r < fromHost.length; r++) {
            if (streamedBytesPerRank > 0) {
                acts.add(new Activity(name + " weight stream", streamedBytesPerRank, fromHost[r], Double.POSITIVE_INFINITY,
                        finished));
                streamedBytes += streamedBytesPerRank;
            }
            if (attention != null) {
                fill = Math.max(fill, Math.min(attention.add(r, shape, decode, acts, finished), gLayer));
            }
        }
        if (streamedBytesPerRank > 0) {
            fill += Math.min(streamedBytesPerRank / layers / h2dBytesPerSecond, gLayer);
        }
        left[0] = acts.size();
        if (acts.isEmpty()) {
            sim.scheduleAt(sim.now(), e -> done.run(), 0);
            return 0;
        }
        solver.startAll(acts.toArray(Activity[]::new));
        return fill;
    }

    /** Host core-seconds of decode attention started so far (0 unless attention runs on the host CPU). */
    double attentionCoreSeconds() {
        return attention == null ? 0 : attention.hostCoreSeconds();
    }

    /** Weight bytes streamed from host memory so far, over all ranks. */
    double streamedBytes() {
        return streamedBytes;
    }

    /** Bytes moved into the devices over their host links (streamed weights, attention outputs). */
    double h2dBytes() {
        return streamedBytes + (attention == null ? 0 : attention.traffic().fromTargetBytes());
    }

    /** Bytes moved out of the devices over their host links (q/k/v of new tokens, prompts' KV). */
    double d2hBytes() {
        return attention == null ? 0 : attention.traffic().toTargetBytes();
    }

    /** Seconds the host CPU spent on decode attention, summed over ranks (0 unless attention runs there). */
    double attentionBusySeconds() {
        return attention == null || !attention.runsOnHost() ? 0 : attention.traffic().busySeconds();
    }

    /** What the offload moved and computed so far (all ranks). */
    OffloadTotals totals() {
        if (attention == null) {
            return new OffloadTotals(streamedBytes, 0, 0, 0, 0, 0);
        }
        AttentionTraffic t = attention.traffic();
        return new OffloadTotals(streamedBytes, t.toTargetBytes(), t.fromTargetBytes(), t.tierWriteBytes(),
                t.tierReadBytes(), t.busySeconds());
    }
}
