package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One pipeline stage of a replica: a tensor-parallel group of devices holding a contiguous range of layers, which
 * runs the micro-batches handed to it one at a time, in arrival order (a GPU stream executes one forward at a time).
 * A micro-batch's stage work is one activity on the group's compute resources (two when the replica's engine has only
 * a share of the compute: its math-bound kernels capped at the share, then its memory-bound ones, which the share
 * does not limit), then the stage's tensor-parallel all-reduces on the fabric; the stage's own host threads (one per
 * device, {@link HostThreads}) launch its kernels meanwhile, one micro-batch after another, so it is done when both the
 * launches and the device work with its communication are.
 */
final class PipelineStage {
    /** The replica the stage belongs to, told when a micro-batch starts and ends here. */
    interface Listener {
        void stageStarted(PipelineStage stage, MicroBatch mb);

        /** The micro-batch's work here is done: its kernels launched and run. */
        void stageDone(PipelineStage stage, MicroBatch mb);
    }

    final int index;
    final int firstLayer;
    final int layers;
    final List<Device> devices;
    final StepCostModel costs;
    final HostThreads host;
    private final Resource[] compute;
    private final String label;
    private final double computeShare;
    private final Simulation sim;
    private final FairShareSolver solver;
    private final CollectiveEngine collectives;
    private final Listener listener;
    private final ArrayDeque<MicroBatch> queue = new ArrayDeque<>();
    /** Micro-batches waiting for the stage's host threads to launch their kernels, with the host seconds each needs. */
    private final ArrayDeque<MicroBatch> launchQueue = new ArrayDeque<>();
    private final ArrayDeque<Double> launchSeconds = new ArrayDeque<>();
    private boolean busy;
    private boolean launching;
    private double busyDeviceSeconds;

    PipelineStage(int index, int firstLayer, int layers, List<Device> devices, StepCostModel costs, HostThreads host,
                  String label, double computeShare, Simulation sim, FairShareSolver solver, CollectiveEngine collectives,
                  Listener listener) {
        this.index = index;
        this.firstLayer = firstLayer;
        this.layers = layers;
        this.devices = devices;
        this.costs = costs;
        this.host = host;
        this.compute = devices.stream().map(Device::compute).toArray(Resource[]::new);
        this.label = label;
        this.computeShare = computeShare;
        this.sim = sim;
        this.solver = solver;
        this.collectives = collectives;
        this.listener = listener;
    }

    /** The compute resources of the stage's devices (shared with whatever else runs on them). */
    Resource[] compute() {
        return compute;
    }

    /** Device-seconds of stage work started so far (per device of the stage). */
    double busyDeviceSeconds() {
        return busyDeviceSeconds;
    }

    /**
     * Every rank's host thread launches {@code seconds} of the micro-batch's kernels here. The first stage's launches
     * are started by the replica with the step (they run ahead of the device, a draft's kernels first); later stages
     * launch theirs when the micro-batch starts on them. The threads launch one micro-batch after another: a queued
     * one starts when the one before is launched (launches still run ahead of the device).
     */
    void launch(MicroBatch mb, double seconds) {
        if (launching) {
            launchQueue.addLast(mb);
            launchSeconds.addLast(seconds);
            return;
        }
        launching = true;
        host.everyRank(seconds, () -> {
            launching = false;
            MicroBatch next = launchQueue.pollFirst();
            if (next != null) {
                launch(next, launchSeconds.pollFirst());
            }
            partDone(mb);
        });
    }

    /** Runs the micro-batch now if the stage is free, else after those before it. */
    void submit(MicroBatch mb) {
        if (busy) {
            queue.addLast(mb);
        } else {
            start(mb);
        }
    }

    /** The stage is free again: the next queued micro-batch, if any, starts. */
    void release() {
        busy = false;
        MicroBatch next = queue.pollFirst();
        if (next != null) {
            start(next);
        }
    }

    private void start(MicroBatch mb) {
        busy = true;
        StepCost cost = mb.costs[index];
        mb.stageStart[index] = sim.now();
        if (index > 0) {
            mb.partsLeft[index] = 2; // stage 0's count is set by the replica, which starts its launches with the step
            launch(mb, cost.hostSeconds());
        }
        busyDeviceSeconds += cost.deviceSeconds();
        listener.stageStarted(this, mb);
        Runnable communicate = () -> collectives.allReduce(devices, cost.allReduceBytes(), cost.allReduces(),
                () -> partDone(mb));
        if (computeShare >= 1) {
            solver.start(new Activity(label, cost.deviceSeconds(), compute, Double.POSITIVE_INFINITY, a -> communicate.run()));
            return;
        }
        double math = Math.min(cost.deviceSeconds(), cost.computeBoundSeconds());
        double memory = cost.deviceSeconds() - math;
        Runnable memoryPart = memory <= 0 ? communicate : () -> solver.start(new Activity(label + " memory-bound", memory,
                compute, Double.POSITIVE_INFINITY, b -> communicate.run()));
        if (math <= 0) {
            memoryPart.run();
        } else {
            solver.start(new Activity(label + " math-bound", math, compute, computeShare, a -> memoryPart.run()));
        }
    }

    /** The stage's launches or its device work for {@code mb} ended; when both have, the stage is done with it. */
    private void partDone(MicroBatch mb) {
        if (--mb.partsLeft[index] == 0) {
            listener.stageDone(this, mb);
        }
    }
}
