package io.xpusim.training;

import io.xpusim.collective.CollectiveAlgorithm;
import io.xpusim.collective.CollectiveEngine;
import io.xpusim.collective.CollectiveOp;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.TierSpec;
import io.xpusim.kernel.Join;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.PipelineSlice;
import io.xpusim.metrics.PipelineSlice.SliceKind;
import io.xpusim.model.Recompute;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs training steps on the simulated cluster. One data-parallel replica's pipeline is executed in detail
 * (its computation on every stage's devices, tensor- and context-parallel collectives, pipeline sends); the
 * other replicas are symmetric, so they are not re-executed, but the gradient collectives that join them
 * run over the real data-parallel groups across the fabric, where they contend like any other traffic.
 *
 * <p>A step: every stage runs its schedule's tasks in order, each when its input has arrived (a forward needs
 * the previous block's activation, a backward the next block's gradient); a task is its compute (preceded by
 * recomputation for a backward) followed by — or, with {@code overlap.tp-comm}, concurrent with — its
 * tensor-parallel collectives, with any context-parallel K/V exchange alongside. Gradients are reduced over
 * the data-parallel group one collective at a time: during a chunk's last backward, bucket by bucket (with
 * {@code overlap.dp-grad}), or after the stage's last task; ZeRO-2/3 reduce every micro-batch's gradients.
 * ZeRO-3 gathers parameters layer by layer ahead of the computation. Then the optimizer steps (on the
 * devices, or on the host with offload) and, with ZeRO-1/2, parameters are all-gathered. The step ends when
 * every stage has finished.
 */
public final class TrainingSimulator {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final CollectiveEngine collectives;
    private final Cluster cluster;
    private final TrainingSpec spec;
    private final StepPlan plan;
    private final List<PipelineSlice> slices = new ArrayList<>();
    private final List<Double> stepSeconds = new ArrayList<>();
    private final StageRun[] stages;
    private final boolean[][] forwardArrived;
    private final boolean[][] backwardArrived;
    private final int[][] backwardsDone;
    private int step;
    private int tiedEmbeddingArrivals;
    private long stepStart;
    private int stagesFinished;
    private Runnable onFinished = () -> { };

    public TrainingSimulator(Simulation sim, FairShareSolver solver, CollectiveEngine collectives, Cluster cluster,
                             TrainingSpec spec, StepPlan plan) {
        this.sim = sim;
        this.solver = solver;
        this.collectives = collectives;
        this.cluster = cluster;
        this.spec = spec;
        this.plan = plan;
        int m = spec.microBatchesPerReplica();
        int blocks = plan.stages().size() * spec.plan().virtualStages();
        this.forwardArrived = new boolean[m][blocks];
        this.backwardArrived = new boolean[m][blocks];
        this.backwardsDone = new int[plan.stages().size()][spec.plan().virtualStages()];
        this.stages = new StageRun[plan.stages().size()];
        for (int s = 0; s < stages.length; s++) {
            stages[s] = new StageRun(plan.stages().get(s));
        }
    }

    private io.xpusim.collective.TierTransfers tierTransfers;
    private io.xpusim.metrics.MemoryTiers tiers;

    /**
     * Accounts offload copies in the run's memory tiers (each simulated device's bytes counted for every data-parallel
     * replica) and moves an NVMe offload's optimizer states over the node's NVMe tier; required for NVMe offload.
     */
    public void trackTiers(io.xpusim.collective.TierTransfers transfers, io.xpusim.metrics.MemoryTiers tiers) {
        this.tierTransfers = transfers;
        this.tiers = tiers;
    }

    /** Books {@code bytes} moved from tier {@code from} to tier {@code to} by one simulated device, for all replicas. */
    private void moved(String from, String to, double bytes) {
        if (tiers != null) {
            double all = bytes * spec.plan().dp();
            tiers.tier(from).read(all);
            tiers.tier(to).write(all);
        }
    }

    /** The slices of the last (or current) step. */
    public List<PipelineSlice> slices() {
        return slices;
    }

    /** When the last (or current) step started, in seconds. */
    public double lastStepStartSeconds() {
        return stepStart / 1e12;
    }

    /** Simulated duration of each finished step. */
    public List<Double> stepSeconds() {
        return stepSeconds;
    }

    /** Starts step 1; later steps follow back to back; {@code done} runs after the last. */
    public void start(Runnable done) {
        this.onFinished = done;
        startStep();
    }

    private void startStep() {
        stepStart = sim.now();
        slices.clear(); // only the last step is reported; earlier ones would only grow the heap
        stagesFinished = 0;
        tiedEmbeddingArrivals = 0;
        for (boolean[] row : forwardArrived) {
            Arrays.fill(row, false);
        }
        for (boolean[] row : backwardArrived) {
            Arrays.fill(row, false);
        }
        for (int[] row : backwardsDone) {
            Arrays.fill(row, 0);
        }
        for (StageRun s : stages) {
            s.reset();
        }
        for (StageRun s : stages) {
            s.prefetchGather(0);
            s.tryStart();
        }
    }

    private void stageFinished() {
        if (++stagesFinished < stages.length) {
            return;
        }
        stepSeconds.add((sim.now() - stepStart) / 1e12);
        if (++step < spec.steps()) {
            startStep();
        } else {
            onFinished.run();
        }
    }

    private void record(int stage, SliceKind kind, int microBatch, int chunk, long startPicos) {
        slices.add(new PipelineSlice(stage, kind, microBatch, chunk, startPicos / 1e12, sim.now() / 1e12));
    }

    /** When a computation reduces gradients: not at all, after each of its pieces (overlapped), or once at its end. */
    private enum Reduce {
        NONE, EACH_PIECE, AT_END
    }

    /** ZeRO-3 gathers a task's parameters in at most this many units (layers or groups of layers). */
    static final int MAX_GATHER_UNITS = 32;

    /** The mutable state of one stage during a step. */
    private final class StageRun {
        private final StepPlan.Stage st;
        private final Resource[] compute;
        private final int index;
        private int next;
        private boolean busy;
        private boolean optimizerStarted;
        private boolean tiedEmbeddingRequested;
        private boolean tiedEmbeddingReduced;
        private int pendingReductions;
        private boolean reducing;
        /** Queued reductions: {bytes over the data-parallel groups, expert bytes over the expert-data-parallel ones}. */
        private final ArrayDeque<double[]> queuedReductions = new ArrayDeque<>();
        /** ZeRO-3: parameters gathered per unit (a few layers of a task's chunk), task-major. */
        private final int unitsPerTask;
        private boolean[] gathered;
        private boolean[] gatherStarted;
        /** A compute piece waiting for its unit's parameters, and which unit. */
        private Runnable waitingPiece;
        private int waitingUnit = -1;

        StageRun(StepPlan.Stage st) {
            this.st = st;
            this.index = st.index();
            this.compute = st.computeGroup().stream().map(Device::compute).toArray(Resource[]::new);
            this.unitsPerTask = plan.zero3() ? Math.max(1, Math.min(MAX_GATHER_UNITS, st.layers() / plan.virtualStages())) : 1;
        }

        void reset() {
            next = 0;
            busy = false;
            optimizerStarted = false;
            tiedEmbeddingRequested = false;
            tiedEmbeddingReduced = false;
            pendingReductions = 0;
            reducing = false;
            queuedReductions.clear();
            gathered = new boolean[st.order().size() * unitsPerTask];
            gatherStarted = new boolean[gathered.length];
            waitingPiece = null;
            waitingUnit = -1;
            if (!plan.zero3()) {
                Arrays.fill(gathered, true);
            }
        }

        /**
         * ZeRO-3 (FSDP): all-gather unit {@code u}'s parameters (1/units of a task's chunk, a few layers) while the
         * previous unit computes — one unit of look-ahead, as FSDP prefetches the next layer.
         */
        void prefetchGather(int u) {
            if (!plan.zero3() || u >= gathered.length || gatherStarted[u]) {
                return;
            }
            gatherStarted[u] = true;
            long start = sim.now();
            int chunk = st.order().get(u / unitsPerTask).chunk();
            dataParallel(CollectiveOp.ALL_GATHER, st.chunkParameterBytes()[chunk] / unitsPerTask, () -> {
                if (sim.now() > start) {
                    mark(SliceKind.ZERO_GATHER, -1, chunk, start);
                }
                gathered[u] = true;
                if (waitingUnit == u) {
                    Runnable piece = waitingPiece;
                    waitingPiece = null;
                    waitingUnit = -1;
                    piece.run();
                }
            });
        }

        void tryStart() {
            if (busy || next >= st.order().size()) {
                return;
            }
            PipelineTask task = st.order().get(next);
            int block = plan.block(task.chunk(), index);
            boolean forward = task.pass() == Pass.FORWARD;
            boolean ready = forward ? block == 0 || forwardArrived[task.microBatch()][block]
                    : block == plan.blocks() - 1 || backwardArrived[task.microBatch()][block];
            if (!ready) {
                return;
            }
            busy = true;
            int c = task.chunk();
            int mb = task.microBatch();
            if (forward) {
                computeThenComm(SliceKind.FORWARD, mb, c, st.forwardSeconds()[c], plan.zero3() ? unitsPerTask : 1,
                        Reduce.NONE, () -> finishTask(task, block));
                return;
            }
            // ZeRO-2/3 reduce-scatter every micro-batch's gradients (their partitions cannot accumulate them);
            // otherwise the chunk's gradients are final after its last micro-batch. With overlap the backward
            // reduces bucket by bucket as it goes; without, ZeRO-2/3 reduce right after each backward and the
            // rest once the stage has flushed (finishTask).
            boolean perMicroBatch = spec.zeroStage() >= 2;
            boolean lastBackward = backwardsDone[index][c] == spec.microBatchesPerReplica() - 1;
            boolean reduceDuring = perMicroBatch || lastBackward && spec.overlapDpGrad();
            int pieces = plan.zero3() ? unitsPerTask : reduceDuring && spec.overlapDpGrad() ? st.bucketsPerChunk()[c] : 1;
            Reduce reduce = !reduceDuring ? Reduce.NONE : spec.overlapDpGrad() ? Reduce.EACH_PIECE : Reduce.AT_END;
            Runnable backward = () -> computeThenComm(SliceKind.BACKWARD, mb, c, st.backwardSeconds()[c], pieces,
                    reduce, () -> finishTask(task, block));
            if (st.recomputeSeconds()[c] > 0) {
                computeThenComm(SliceKind.RECOMPUTE, mb, c, st.recomputeSeconds()[c], plan.zero3() ? unitsPerTask : 1,
                        Reduce.NONE, backward);
            } else {
                backward.run();
            }
        }

        /**
         * Runs {@code seconds} of computation on the stage's devices with the chunk's tensor-parallel collectives
         * after it, or alongside it when overlapped, and its context-parallel K/V exchange alongside it (ring
         * attention overlaps it with attention). The computation runs in {@code pieces}, each waiting for its
         * parameters under ZeRO-3; gradients are reduced as {@code reduce} says.
         */
        private void computeThenComm(SliceKind kind, int mb, int chunk, double seconds, int pieces, Reduce reduce,
                                     Runnable then) {
            long start = sim.now();
            boolean overlap = spec.overlapTpComm();
            boolean context = spec.plan().cp() > 1 && (kind != SliceKind.RECOMPUTE || spec.recompute() == Recompute.FULL);
            int tpCount = kind == SliceKind.RECOMPUTE ? st.recomputeTpCollectivesPerChunk()[chunk]
                    : kind == SliceKind.FORWARD ? st.forwardTpCollectivesPerChunk()[chunk] : st.backwardTpCollectivesPerChunk()[chunk];
            // MoE: each layer's dispatch and combine (or their gradients) cross the expert-parallel group by all-to-all
            int allToAlls = !st.expertParallel() || kind == SliceKind.RECOMPUTE && spec.recompute() != Recompute.FULL ? 0
                    : io.xpusim.model.TrainingPass.ALL_TO_ALLS_PER_MOE_LAYER * st.moeLayersPerChunk()[chunk];
            Join join = new Join((overlap ? 2 : 1) + (context ? 1 : 0) + (allToAlls > 0 ? 1 : 0), then);
            if (context) {
                contextComm(kind, mb, chunk, join::arrive);
            }
            Runnable comm = () -> {
                long commStart = sim.now();
                tensorComm(tpCount, () -> {
                    if (sim.now() > commStart) {
                        mark(SliceKind.TP_COMM, mb, chunk, commStart);
                    }
                    join.arrive();
                });
            };
            long[] segmentStart = {start};
            computePieces(seconds, pieces, reduce, chunk, next * unitsPerTask, 0, kind, mb, segmentStart, () -> {
                mark(kind, mb, chunk, segmentStart[0]);
                if (allToAlls > 0) {
                    expertComm(allToAlls, mb, chunk, join::arrive);
                }
                if (overlap) {
                    join.arrive();
                } else {
                    comm.run();
                }
            });
            if (overlap) {
                comm.run();
            }
        }

        /**
         * Piece {@code piece} of {@code pieces}; under ZeRO-3 piece i computes with gather unit {@code firstUnit + i}
         * and waits for it, after starting the next unit's gather.
         */
        private void computePieces(double seconds, int pieces, Reduce reduce, int chunk, int firstUnit, int piece,
                                   SliceKind kind, int mb, long[] segmentStart, Runnable done) {
            Runnable run = () -> solver.start(new Activity("stage" + index + " compute", seconds / pieces, compute,
                    Double.POSITIVE_INFINITY, a -> {
                        if (reduce == Reduce.EACH_PIECE || reduce == Reduce.AT_END && piece + 1 == pieces) {
                            int parts = reduce == Reduce.EACH_PIECE ? pieces : 1;
                            reduceGradients(st.chunkGradientBytes()[chunk] / parts,
                                    st.chunkExpertGradientBytes()[chunk] / parts);
                        }
                        if (piece + 1 < pieces) {
                            computePieces(seconds, pieces, reduce, chunk, firstUnit, piece + 1, kind, mb, segmentStart, done);
                        } else {
                            done.run();
                        }
                    }));
            if (!plan.zero3()) {
                run.run();
                return;
            }
            int unit = firstUnit + piece % unitsPerTask;
            prefetchGather(unit);
            prefetchGather(unit + 1);
            if (gathered[unit]) {
                run.run();
            } else {
                // the computation stalls for its parameters: end its slice here and resume it when they arrive
                if (sim.now() > segmentStart[0]) {
                    mark(kind, mb, chunk, segmentStart[0]);
                }
                waitingUnit = unit;
                waitingPiece = () -> {
                    segmentStart[0] = sim.now();
                    run.run();
                };
            }
        }

        /**
         * {@code count} all-to-alls of the chunk's MoE layers over the simulated replica's expert-parallel group, as
         * one phase of direct flows with the summed per-pair matrix, paying each one's latency (as in serving).
         * Megatron-Core's dispatcher runs them between attention and experts: they are not hidden behind computation.
         */
        private void expertComm(int count, int mb, int chunk, Runnable done) {
            long start = sim.now();
            List<Device> group = st.expertGroup();
            double[][] bytes = new double[group.size()][group.size()];
            for (int i = 0; i < bytes.length; i++) {
                for (int j = 0; j < bytes.length; j++) {
                    bytes[i][j] = i == j ? 0 : count * st.expertBytesPerPeer();
                }
            }
            collectives.allToAll(group, bytes, count, () -> {
                mark(SliceKind.EP_COMM, mb, chunk, start);
                done.run();
            });
        }

        private void tensorComm(int count, Runnable done) {
            List<List<Device>> groups = st.tensorGroups();
            Join join = new Join(groups.size(), done);
            for (List<Device> g : groups) {
                collectives.allReduce(g, st.tpBytes(), count, join::arrive);
            }
        }

        /**
         * Ring attention: each rank's K and V circulate around the context group (all-gather); backward
         * circulates them again and sends dK, dV back (twice the bytes, a reduce-scatter's worth each).
         */
        private void contextComm(SliceKind kind, int mb, int chunk, Runnable done) {
            long start = sim.now();
            List<List<Device>> groups = st.contextGroups();
            double bytes = st.contextBytesPerChunk()[chunk] * (kind == SliceKind.BACKWARD ? 2 : 1);
            Join join = new Join(groups.size(), () -> {
                mark(SliceKind.CP_COMM, mb, chunk, start);
                done.run();
            });
            for (List<Device> g : groups) {
                collectives.run(CollectiveOp.ALL_GATHER, g, bytes, CollectiveAlgorithm.RING, join::arrive);
            }
        }

        private void finishTask(PipelineTask task, int block) {
            busy = false;
            next++;
            int mb = task.microBatch();
            if (task.pass() == Pass.FORWARD) {
                if (block + 1 < plan.blocks()) {
                    send(mb, block + 1, true);
                }
            } else {
                if (block > 0) {
                    send(mb, block - 1, false);
                }
                backwardsDone[index][task.chunk()]++;
            }
            if (next == st.order().size() && !spec.overlapDpGrad() && spec.zeroStage() < 2) {
                // after the pipeline flush, as Megatron-LM 2021 did
                reduceGradients(st.gradientBytes(), st.expertGradientBytes());
            }
            tryStart();
            maybeStep();
        }

        /** Activation (forward) or gradient (backward) to the stage holding {@code toBlock}. */
        private void send(int mb, int toBlock, boolean forward) {
            StageRun dest = stages[plan.stageOf(toBlock)];
            Runnable arrived = () -> {
                (forward ? forwardArrived : backwardArrived)[mb][toBlock] = true;
                dest.tryStart();
            };
            if (dest == this) {
                arrived.run();
                return;
            }
            long start = sim.now();
            List<Device> from = st.computeGroup();
            List<Device> to = dest.st.computeGroup();
            Join join = new Join(from.size(), () -> {
                dest.mark(SliceKind.PP_SEND, mb, plan.chunkOf(toBlock), start);
                arrived.run();
            });
            for (int i = 0; i < from.size(); i++) {
                collectives.transfer(st.sendBytesPerRank(), from.get(i), to.get(i), join::arrive);
            }
        }

        private void mark(SliceKind kind, int mb, int chunk, long start) {
            record(index, kind, mb, chunk, start);
        }

        /**
         * Queues a reduction of {@code bytes} of gradients per device over every data-parallel group of this stage.
         * Reductions run one after another, as NCCL runs a communicator's collectives in order on its stream.
         */
        private void reduceGradients(double bytes, double expertBytes) {
            if (st.dataGroups().get(0).size() == 1 && !streamsToHost()) {
                return; // nothing to reduce with, nothing to copy
            }
            pendingReductions++;
            queuedReductions.addLast(new double[] {bytes, expertBytes});
            if (!reducing) {
                nextReduction();
            }
        }

        private void nextReduction() {
            double[] next = queuedReductions.pollFirst();
            if (next == null) {
                reducing = false;
                return;
            }
            reducing = true;
            double bytes = next[0];
            long start = sim.now();
            CollectiveOp op = spec.zeroStage() == 0 ? CollectiveOp.ALL_REDUCE : CollectiveOp.REDUCE_SCATTER;
            dataAndExpertParallel(op, bytes, next[1], () -> {
                if (sim.now() > start) {
                    mark(SliceKind.DP_COMM, -1, -1, start);
                }
                Runnable reduced = () -> {
                    pendingReductions--;
                    nextReduction();
                    maybeStep();
                };
                if (streamsToHost()) {
                    hostCopy(bytes / st.dataGroups().get(0).size(), true, reduced);
                } else {
                    reduced.run();
                }
            });
        }

        /** ZeRO-Offload with ZeRO-2/3: each reduced gradient partition goes to host memory as it is produced. */
        private boolean streamsToHost() {
            return spec.optimizerOffload() != OffloadTarget.NONE && spec.zeroStage() >= 2;
        }

        /** Copies {@code bytes} between every device of the stage and host memory over its host link. */
        private void hostCopy(double bytes, boolean toHost, Runnable done) {
            long start = sim.now();
            List<Device> devices = st.computeGroup();
            Join join = new Join(devices.size(), () -> {
                mark(SliceKind.OFFLOAD, -1, -1, start);
                done.run();
            });
            for (Device d : devices) {
                solver.start(new Activity(toHost ? "d2h" : "h2d", bytes, cluster.hostPath(d, toHost).toArray(Resource[]::new),
                        Double.POSITIVE_INFINITY, a -> {
                            moved(toHost ? TierSpec.DEVICE : TierSpec.HOST, toHost ? TierSpec.HOST : TierSpec.DEVICE, bytes);
                            join.arrive();
                        }));
            }
        }

        /**
         * ZeRO-Infinity: every device's optimizer states stream between the node's NVMe tier and host memory
         * ({@code read}: NVMe to DRAM before the host step, else back after it), at the drives' read or write rate. One
         * simulated device's transfer carries the bytes of the node's devices it stands for (they share the drives).
         */
        private void nvmeStates(boolean read, Runnable done) {
            if (tierTransfers == null) {
                throw new IllegalStateException("NVMe offload needs trackTiers(...) before the run");
            }
            long start = sim.now();
            List<Device> devices = st.computeGroup();
            Join join = new Join(devices.size(), () -> {
                mark(SliceKind.OFFLOAD, -1, -1, start);
                done.run();
            });
            String from = read ? OffloadTiers.NVME : TierSpec.HOST;
            String to = read ? TierSpec.HOST : OffloadTiers.NVME;
            for (Device d : devices) {
                tierTransfers.between(d, from, to, st.optimizerStateBytes() * st.hostScale(), () -> {
                    moved(from, to, st.optimizerStateBytes());
                    join.arrive();
                });
            }
        }

        /** {@code bytes} over the data-parallel groups and, at once, {@code expertBytes} over the expert-data ones. */
        private void dataAndExpertParallel(CollectiveOp op, double bytes, double expertBytes, Runnable done) {
            List<List<Device>> experts = st.expertDataGroups();
            if (experts.isEmpty() || experts.get(0).size() == 1 || expertBytes <= 0) {
                dataParallel(op, bytes, done);
                return;
            }
            Join join = new Join(1 + experts.size(), done);
            dataParallel(op, bytes, join::arrive);
            for (List<Device> g : experts) {
                collectives.run(op, g, expertBytes, CollectiveAlgorithm.AUTO, join::arrive);
            }
        }

        private void dataParallel(CollectiveOp op, double bytes, Runnable done) {
            List<List<Device>> groups = st.dataGroups();
            if (groups.get(0).size() == 1) {
                done.run();
                return;
            }
            Join join = new Join(groups.size(), done);
            for (List<Device> g : groups) {
                collectives.run(op, g, bytes, CollectiveAlgorithm.AUTO, join::arrive);
            }
        }

        /** After the last task and every reduction: the optimizer step, then parameters back where needed. */
        private void maybeStep() {
            if (optimizerStarted || next < st.order().size() || pendingReductions > 0) {
                return;
            }
            if (st.tiedEmbeddingGradientBytes() > 0 && !tiedEmbeddingReduced) {
                if (!tiedEmbeddingRequested) {
                    tiedEmbeddingRequested = true;
                    reduceTiedEmbedding();
                }
                return;
            }
            optimizerStarted = true;
            Runnable finish = spec.zeroStage() == 1 || spec.zeroStage() == 2 ? this::gatherParameters : TrainingSimulator.this::stageFinished;
            if (spec.optimizerOffload() == OffloadTarget.NONE) {
                long start = sim.now();
                solver.start(new Activity("stage" + index + " optimizer", st.optimizerDeviceSeconds(), compute,
                        Double.POSITIVE_INFINITY, a -> {
                            mark(SliceKind.OPTIMIZER, -1, -1, start);
                            finish.run();
                        }));
            } else {
                hostOptimizer(finish);
            }
        }

        /**
         * Megatron-LM's embedding all-reduce: the first stage's input embedding and the last stage's LM head are
         * one tied matrix, so once both ends have their gradients they all-reduce them, rank by rank.
         */
        private void reduceTiedEmbedding() {
            if (++tiedEmbeddingArrivals < 2) {
                return; // the other end is still computing
            }
            StageRun first = stages[0];
            StageRun last = stages[stages.length - 1];
            long start = sim.now();
            int ranks = first.st.computeGroup().size();
            Join join = new Join(ranks, () -> {
                for (StageRun end : List.of(first, last)) {
                    end.mark(SliceKind.DP_COMM, -1, -1, start);
                    end.tiedEmbeddingReduced = true;
                    end.maybeStep();
                }
            });
            for (int i = 0; i < ranks; i++) {
                collectives.allReduce(List.of(first.st.computeGroup().get(i), last.st.computeGroup().get(i)),
                        st.tiedEmbeddingGradientBytes(), 1, join::arrive);
            }
        }

        /** Distributed optimizer: every replica gathers the updated 16-bit parameters from their owners. */
        private void gatherParameters() {
            long start = sim.now();
            dataAndExpertParallel(CollectiveOp.ALL_GATHER, st.parameterBytes(), st.expertParameterBytes(), () -> {
                if (sim.now() > start) {
                    mark(SliceKind.DP_COMM, -1, -1, start);
                }
                stageFinished();
            });
        }

        /**
         * ZeRO-Offload: gradient partitions to host memory (unless already streamed there during the backward),
         * Adam on the host — bound by host-memory bandwidth, which every device of the node in the job shares,
         * and by the CPUs' FP32 rate — then the updated 16-bit parameters back over each host link. With NVMe
         * (ZeRO-Infinity, DeepSpeed's defaults pipeline_read/pipeline_write off) the optimizer states are read from
         * NVMe before the host step and written back after it, one after the other.
         */
        private void hostOptimizer(Runnable finish) {
            Runnable back = () -> hostCopy(st.offloadParameterBytes(), false, finish);
            Runnable adamThenBack = spec.optimizerOffload() == OffloadTarget.NVME
                    ? () -> nvmeStates(true, () -> hostAdam(() -> nvmeStates(false, back)))
                    : () -> hostAdam(back);
            if (streamsToHost()) {
                adamThenBack.run();
            } else {
                hostCopy(st.offloadGradientBytes(), true, adamThenBack);
            }
        }

        private void hostAdam(Runnable done) {
            long start = sim.now();
            List<Device> devices = st.computeGroup();
            int parts = 0;
            for (Device d : devices) {
                parts += cluster.nodes().get(d.nodeIndex()).sockets().size();
            }
            Join join = new Join(parts, () -> {
                mark(SliceKind.OPTIMIZER, -1, -1, start);
                done.run();
            });
            for (Device d : devices) {
                // the CPU Adam runs on every socket's cores, each over the states in its own DRAM (first-touch
                // placement spreads them evenly), so each socket streams an equal part
                var sockets = cluster.nodes().get(d.nodeIndex()).sockets();
                for (var socket : sockets) {
                    solver.start(new Activity("host adam", st.hostAdamBytes() / sockets.size(), new Resource[] {socket.read()},
                            st.hostAdamCapBytesPerSecond() / sockets.size(), a -> join.arrive()));
                }
            }
        }
    }
}
