package io.xpusim.serving;

import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;

/**
 * A replica's host threads, one per device (one process per GPU, as vLLM, SGLang and Megatron run them), each
 * on its device's CPU socket and never faster than one core: work given in seconds of one core finishes in that time
 * unless more threads than cores share the socket. The k ranks on one socket run as one activity of k times the work
 * capped at k cores (the same as k threads of one core while they get their cores; under contention they share as one
 * flow, not k), which keeps a tensor-parallel iteration to one solver activity per socket. Serial work (scheduling,
 * sampling, input preparation) runs on each attention group's first rank. It also counts the core-seconds they spend.
 */
final class HostThreads {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final String name;
    /** Rank i's socket (null: its node has no CPU). */
    private final Resource[] rankSockets;
    /** No other work can ever want these sockets' cores: skip the solver and just wait (same times, fewer events). */
    private final boolean exclusive;
    private double busyCoreSeconds;

    /**
     * {@code sockets[i]}: rank i's socket (null when its node has no CPU: the thread then runs unshared);
     * {@code exclusive}: every socket has a core for every thread that could ever run on it and nothing else runs there.
     */
    HostThreads(Simulation sim, FairShareSolver solver, String name, Resource[] sockets, boolean exclusive) {
        this.exclusive = exclusive;
        this.sim = sim;
        this.solver = solver;
        this.name = name;
        this.rankSockets = sockets.clone();
    }

    int ranks() {
        return rankSockets.length;
    }

    /** Core-seconds spent so far by every rank's thread (launches and serial overheads). */
    double busyCoreSeconds() {
        return busyCoreSeconds;
    }

    /** Every rank's thread works {@code seconds} (launching kernels); {@code done} runs when the last one finishes. */
    void everyRank(double seconds, Runnable done) {
        run(1, seconds, " host launch", done);
    }

    /**
     * The first rank of every group of {@code groupSize} consecutive ranks works {@code seconds}, all at once (each
     * attention-data-parallel group's scheduler prepares its own sequences); then {@code done}. One group: rank 0.
     */
    void groupLeaders(int groupSize, double seconds, Runnable done) {
        run(groupSize, seconds, " host serial", done);
    }

    /**
     * Ranks 0, every, 2·every, … each work {@code seconds} of one core. The k of them on one socket run as one activity
     * of k times the work capped at k cores (the same as k threads of one core while they get their cores; under
     * contention they share as one flow, not k), which keeps an iteration to one solver activity per socket.
     */
    private void run(int every, double seconds, String what, Runnable done) {
        if (!(seconds > 0)) {
            sim.scheduleAt(sim.now(), arg -> done.run(), 0);
            return;
        }
        java.util.List<Resource> distinct = new java.util.ArrayList<>();
        java.util.List<Integer> counts = new java.util.ArrayList<>();
        for (int r = 0; r < rankSockets.length; r += every) {
            int at = distinct.indexOf(rankSockets[r]);
            if (at < 0) {
                distinct.add(rankSockets[r]);
                counts.add(1);
            } else {
                counts.set(at, counts.get(at) + 1);
            }
        }
        int threads = counts.stream().mapToInt(Integer::intValue).sum();
        busyCoreSeconds += seconds * threads;
        if (exclusive) {
            sim.scheduleAt(sim.now() + Math.round(seconds * 1e12), arg -> done.run(), 0);
            return;
        }
        int[] left = {distinct.size()};
        for (int i = 0; i < distinct.size(); i++) {
            Resource s = distinct.get(i);
            int k = counts.get(i);
            solver.start(new Activity(name + what, seconds * k, s == null ? new Resource[0] : new Resource[] {s}, k, a -> {
                if (--left[0] == 0) {
                    done.run();
                }
            }));
        }
    }
}
