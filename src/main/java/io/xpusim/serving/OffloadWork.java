package io.xpusim.serving;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.kernel.Simulation;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.Operator;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica's offloaded work in one iteration, run alongside its kernels through the fair-share solver, per rank:
 * the streamed weights crossing the host link from host memory (FlexGen / DeepSpeed-Inference weight streaming), and
 * with attention on the CPU the decode attention as a roofline on the host CPU — its bytes read from host memory at
 * the memory's shared bandwidth and its FLOPs on the cores of the rank's socket, both shared — plus the new
 * tokens' q/k/v sent to the host and the attention outputs sent back, and the prompts' KV copied to the host.
 *
 * <p>Everything is pipelined layer by layer (prefetch layer i+1 while layer i computes into a double buffer; FlexGen's
 * block schedule overlaps host attention with device compute the same way), so the iteration's offloaded part ends
 * when its slowest stream does, plus a pipeline fill of one layer of the shorter stage of each pipeline: a two-stage
 * pipeline of L equal layers with stage times w and g takes max(L·w, L·g) + min(w, g).
 */
final class OffloadWork {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final String name;
    private final OffloadConfig config;
    private final int layers;
    private final double streamedBytesPerRank;
    private final double kvBytesPerToken;
    private final double qkvBytesPerToken;
    private final double outBytesPerToken;
    private final Resource[][] toHost;
    private final Resource[][] fromHost;
    private final Resource[][] hostMemory;
    private final Resource[] socket;
    private final double cpuFlopsPerSecondPerCore;
    private final double h2dBytesPerSecond;
    private double streamedBytes;
    private double h2dBytes;
    private double d2hBytes;
    private double attentionBusySeconds;
    private double attentionCoreSeconds;

    OffloadWork(Simulation sim, FairShareSolver solver, String name, Cluster cluster, io.xpusim.hardware.HostCpus cpus,
                List<Device> devices, ModelSpec m, ServingConfig c, MemoryPlan plan) {
        this.sim = sim;
        this.solver = solver;
        this.name = name;
        this.config = c.offload();
        this.layers = m.layers();
        this.streamedBytesPerRank = plan.hostWeightBytes();
        int tp = c.tp();
        double a = c.activations().bytesPerElement();
        double q = m.queryWidth() / (double) tp;
        double kv = (double) m.kvHeadsPerRank(tp) * m.headDim();
        this.kvBytesPerToken = m.kvBytesPerTokenPerRank(tp, c.kvCache());
        this.qkvBytesPerToken = layers * (q + 2 * kv) * a;
        this.outBytesPerToken = layers * q * a;
        int n = devices.size();
        toHost = new Resource[n][];
        fromHost = new Resource[n][];
        hostMemory = new Resource[n][];
        for (int i = 0; i < n; i++) {
            Device d = devices.get(i);
            toHost[i] = cluster.hostPath(d, true).toArray(Resource[]::new);
            fromHost[i] = cluster.hostPath(d, false).toArray(Resource[]::new);
            // host attention reads the KV from the DRAM of the socket the device hangs off (where its pages live)
            var node = cluster.nodes().get(d.nodeIndex());
            hostMemory[i] = new Resource[] {node.sockets().get(node.deviceSocket()[node.devices().indexOf(d)]).read()};
        }
        DeviceProfile cpu = cluster.nodes().get(devices.get(0).nodeIndex()).profile().cpu();
        // fp32 (CPUs without 16-bit arithmetic compute in it) at the CPU profile's attention efficiency (its GEMM
        // efficiency unless measured otherwise)
        this.cpuFlopsPerSecondPerCore = cpu.peakFlopsPerSecond(Precision.FP32) * cpu.attentionEfficiency() / cpu.cores();
        this.socket = new Resource[n];
        for (int i = 0; i < n; i++) {
            socket[i] = cpus.socketOf(devices.get(i));
        }
        this.h2dBytesPerSecond = java.util.Arrays.stream(fromHost[0]).mapToDouble(Resource::capacityPerSecond).min()
                .orElse(Double.POSITIVE_INFINITY);
    }

    /** The operators the devices run: all but decode attention when it runs on the host. */
    List<Operator> deviceOperators(List<Operator> all) {
        if (!config.attentionOnCpu()) {
            return all;
        }
        List<Operator> out = new ArrayList<>(all.size());
        for (Operator op : all) {
            if (!op.name().equals("decode-attention")) {
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
        for (int r = 0; r < toHost.length; r++) {
            if (streamedBytesPerRank > 0) {
                acts.add(new Activity(name + " weight stream", streamedBytesPerRank, fromHost[r], Double.POSITIVE_INFINITY,
                        finished));
                streamedBytes += streamedBytesPerRank;
                h2dBytes += streamedBytesPerRank;
            }
            if (!config.attentionOnCpu()) {
                continue;
            }
            double down = shape.decodeSeqs() * qkvBytesPerToken + shape.prefillTokens() * kvBytesPerToken;
            double up = shape.decodeSeqs() * outBytesPerToken;
            if (down > 0) {
                acts.add(new Activity(name + " q/k/v and prompt KV to host", down, toHost[r], Double.POSITIVE_INFINITY,
                        finished));
                d2hBytes += down;
            }
            if (up > 0) {
                acts.add(new Activity(name + " attention outputs to device", up, fromHost[r], Double.POSITIVE_INFINITY,
                        finished));
                h2dBytes += up;
            }
            for (Operator op : all) {
                if (op.name().equals("decode-attention")) {
                    fill = Math.max(fill, hostAttention(r, op.bytes() * op.repeat(), op.flops() * op.repeat(), gLayer,
                            acts, finished));
                }
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

    /**
     * Rank {@code r}'s decode attention on its host: a roofline as two activities that must both finish — its KV bytes
     * read from the node's host memory (shared bandwidth) and its FLOPs as core-seconds on the rank's CPU socket (shared
     * with the host threads; all the socket's cores at most). Returns its pipeline fill, one layer of the shorter of
     * host attention and device compute.
     */
    private double hostAttention(int r, double bytes, double flops, double gLayer, List<Activity> acts,
                                 Activity.Completion finished) {
        long start = sim.now();
        int[] parts = {0};
        Activity.Completion both = x -> {
            if (--parts[0] == 0) {
                attentionBusySeconds += (sim.now() - start) / 1e12;
            }
            finished.completed(x);
        };
        double coreSeconds = flops / cpuFlopsPerSecondPerCore;
        attentionCoreSeconds += coreSeconds;
        if (bytes > 0) {
            parts[0]++;
            acts.add(new Activity(name + " host attention (memory)", bytes, hostMemory[r], Double.POSITIVE_INFINITY, both));
        }
        if (coreSeconds > 0 && socket[r] != null) {
            parts[0]++;
            acts.add(new Activity(name + " host attention (cores)", coreSeconds, new Resource[] {socket[r]},
                    socket[r].capacityPerSecond(), both));
        }
        double aLayer = Math.max(bytes / hostMemory[r][0].capacityPerSecond(),
                socket[r] == null ? 0 : coreSeconds / socket[r].capacityPerSecond()) / layers;
        return Math.min(aLayer, gLayer);
    }

    /** Host core-seconds of decode attention started so far. */
    double attentionCoreSeconds() {
        return attentionCoreSeconds;
    }

    /** Weight bytes streamed from host memory so far, over all ranks. */
    double streamedBytes() {
        return streamedBytes;
    }

    /** Bytes moved host → device (streamed weights, attention outputs). */
    double h2dBytes() {
        return h2dBytes;
    }

    /** Bytes moved device → host (q/k/v of new tokens, prompts' KV). */
    double d2hBytes() {
        return d2hBytes;
    }

    /** Seconds the host spent on decode attention, summed over ranks. */
    double attentionBusySeconds() {
        return attentionBusySeconds;
    }

}
