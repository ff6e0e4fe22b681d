package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.TimeSpan;
import io.xpusim.workload.RequestSpec;
import java.util.List;

/**
 * One model instance on a tensor-parallel group of devices, running iterations back to back while it has
 * work. An iteration's kernels run as one activity on the group's compute resources; its all-reduces run
 * as ring flows on the scale-up links; each device's host thread launches the kernels concurrently on its CPU socket
 * ({@link HostThreads}), and with offload the streamed weights and host attention run alongside ({@link OffloadWork}),
 * so an iteration ends at max(host launch time, KV swaps ({@link KvSwapper}) + device time + communication, offloaded
 * work + pipeline fill) plus the per-iteration and per-sequence host overheads (and the prefill overhead when it
 * holds prompt tokens), spent by rank 0 — under attention data parallelism by each group's first rank, for its own
 * sequences, at once.
 */
public final class Replica implements ReplicaLoad {
    /** What a replica runs: whole requests, or one phase of them under prefill/decode disaggregation. */
    public enum Role {
        COLOCATED, PREFILL, DECODE;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Receives a prefill replica's request after its first token, its prompt KV still held here. */
    interface Handoff {
        void handOff(Replica from, ServingRequest r);
    }

    private final String name;
    private Role role = Role.COLOCATED;
    private Handoff handoff;
    /** Prefill role: requests handed off whose KV is still held here until its transfer completes. */
    private int handingOff;
    private long handedOff;
    /** Decode role: requests whose KV transfer is under way to this replica. */
    private int incoming;
    /** Decode role: requests whose KV has arrived, waiting for blocks (FCFS). */
    private final java.util.ArrayDeque<ServingRequest> arrived = new java.util.ArrayDeque<>();
    private final Simulation sim;
    private final FairShareSolver solver;
    private final CollectiveEngine collectives;
    private final List<Device> devices;
    private final Resource[] computeResources;
    private final StepCostModel costs;
    private final BatchScheduler scheduler;
    private final SchedulerState state;
    private final long iterationOverheadPicos;
    private final long perSequenceOverheadPicos;
    private final long prefillOverheadPicos;
    private final HostThreads host;
    private OffloadWork offload;
    private double stepFill;
    /** Parts of the running iteration not yet done: the device chain (kernels, then all-reduces) and the host launches. */
    private int partsLeft;
    private long deviceEnd;
    private long hostEnd;
    private double stepHostLaunchSeconds;
    private double stepHostBusyBefore;
    private double stepAttentionBefore;
    private double stepStall;
    /** Seconds the running iteration's device part waited for its KV swaps. */
    private double stepSwapStall;
    private ReplicaMemory memory;
    private double offloadStallSeconds;
    private double hostLaunchSeconds;
    private double deviceSeconds;
    private final ServingRecorder recorder;
    /** This replica's index in the recorder's per-replica series. */
    private final int index;
    private final Batch batch = new Batch();
    private boolean busy;
    private long stepStart;
    private double stepDeviceSeconds;
    private int stepPrefillTokens;
    private int stepRunning;
    private int stepWaiting;
    private int stepKvUsed;
    private Speculation spec;
    private StepCostModel draftCosts;
    private org.apache.commons.math3.random.RandomGenerator specRng;
    private long specProposed;
    private long specAccepted;
    private long specVerifications;
    private long specEmitted;
    private ExpertExecution experts;
    private OffloadedExperts expertOffload;
    /** Attention data-parallel groups of tp devices each (one group unless MoE serving with attention-dp). */
    private List<List<Device>> groups;
    private boolean overlap;
    private int moeLayers;
    private double stepAllToAll;
    private double stepComputeChain;
    private double stepCritical;
    private double stepMeanRank;
    private double stepBytes;
    private long prefillBusyPicos;
    private long decodeBusyPicos;
    private long prefillTokensRun;
    private long decodeTokensRun;

    Replica(String name, Simulation sim, FairShareSolver solver, CollectiveEngine collectives, List<Device> devices,
            StepCostModel costs, BatchScheduler scheduler, KvCache kv, SchedulerConfig config,
            RuntimeConfig runtime, ServingRecorder recorder, Resource[] hostSockets,
            boolean exclusiveHost) {
        this.name = name;
        this.sim = sim;
        this.solver = solver;
        this.collectives = collectives;
        this.devices = devices;
        this.computeResources = devices.stream().map(Device::compute).toArray(Resource[]::new);
        this.costs = costs;
        this.scheduler = scheduler;
        this.state = new SchedulerState(kv, config);
        this.iterationOverheadPicos = runtime.iterationOverheadPicos();
        this.perSequenceOverheadPicos = runtime.perSequenceOverheadPicos();
        this.prefillOverheadPicos = runtime.prefillOverheadPicos();
        this.recorder = recorder;
        this.index = recorder.addReplica(name);
        this.groups = List.of(devices);
        this.host = new HostThreads(sim, solver, name, hostSockets, exclusiveHost);
    }

    /**
     * Turns on mixture-of-experts execution: the devices form {@code attentionDp} attention groups of equal size, each
     * running its share of the batch's attention and dense layers, and {@code e} runs the routed experts (over all
     * devices under expert parallelism, else inside each group's dense computation).
     */
    void enableExperts(ExpertExecution e, int attentionDp, boolean overlapMicroBatches, int moeLayerCount) {
        this.experts = e;
        this.overlap = overlapMicroBatches;
        this.moeLayers = moeLayerCount;
        int tp = devices.size() / attentionDp;
        List<List<Device>> g = new java.util.ArrayList<>();
        for (int i = 0; i < attentionDp; i++) {
            g.add(List.copyOf(devices.subList(i * tp, (i + 1) * tp)));
        }
        this.groups = List.copyOf(g);
        recorder.addExpertLoad(name, e.load());
    }

    /** Runs this replica's routed experts from a memory tier through a GPU expert cache (tensor-parallel experts). */
    void enableExpertOffload(OffloadedExperts o) {
        this.expertOffload = o;
        recorder.addExpertCache(name, o.stats());
    }

    /** Time spent in iterations holding prompt tokens. */
    public double prefillBusySeconds() {
        return prefillBusyPicos / 1e12;
    }

    /** Time spent in iterations of decodes only. */
    public double decodeBusySeconds() {
        return decodeBusyPicos / 1e12;
    }

    /** Prompt tokens prefilled (chunks included). */
    public long prefillTokensRun() {
        return prefillTokensRun;
    }

    /** Tokens generated by decode steps (first tokens, emitted by prefills, excluded). */
    public long decodeTokensRun() {
        return decodeTokensRun;
    }

    /** The attention groups (one group of all devices unless attention data parallelism is on). */
    public List<List<Device>> attentionGroups() {
        return groups;
    }

    /** Turns on offloaded weights and/or host attention for this replica's iterations. */
    void enableOffload(OffloadWork w) {
        this.offload = w;
    }

    /** Weight bytes streamed from host memory (all ranks). */
    public double offloadStreamedBytes() {
        return offload == null ? 0 : offload.streamedBytes();
    }

    /** Host → device bytes of offloaded work (streamed weights, attention outputs), all ranks. */
    public double offloadH2dBytes() {
        return offload == null ? 0 : offload.h2dBytes();
    }

    /** Device → host bytes of offloaded work (new tokens' q/k/v, prompts' KV), all ranks. */
    public double offloadD2hBytes() {
        return offload == null ? 0 : offload.d2hBytes();
    }

    /** What its offload moved and computed so far (streamed weights, attention traffic and time), or null without. */
    public OffloadTotals offloadTotals() {
        return offload == null ? null : offload.totals();
    }

    /** Seconds the host CPU spent on decode attention (summed over ranks). */
    public double hostAttentionSeconds() {
        return offload == null ? 0 : offload.attentionBusySeconds();
    }

    /** Host core-seconds of its offloaded decode attention. */
    public double hostAttentionCoreSeconds() {
        return offload == null ? 0 : offload.attentionCoreSeconds();
    }

    /** Host CPU core-seconds its threads spent: kernel launches on every rank, serial overheads on group leaders. */
    public double hostBusyCoreSeconds() {
        return host.busyCoreSeconds();
    }

    /** Host seconds its threads spent launching kernels (per rank; every rank launches its own). */
    public double hostLaunchSeconds() {
        return hostLaunchSeconds;
    }

    /** Seconds its devices waited for offloaded work (streamed weights, host attention) beyond kernels and launches. */
    public double offloadStallSeconds() {
        return offloadStallSeconds;
    }

    /** Seconds its devices waited for KV swaps (preemption by swap) before their iterations' kernels. */
    public double swapStallSeconds() {
        return state.swapper == null ? 0 : state.swapper.stallSeconds();
    }

    /** Device seconds of its iterations' kernels (per device, communication excluded). */
    public double deviceSeconds() {
        return deviceSeconds;
    }

    /**
     * Turns on speculative decoding: each decode step runs the draft's k passes, then the target verifies k + 1
     * tokens per sequence; {@code draft} costs the draft model on this replica's devices.
     */
    void enableSpeculation(Speculation s, StepCostModel draft) {
        this.spec = s;
        this.draftCosts = draft;
        this.state.lookahead = s.tokens();
        this.specRng = new io.xpusim.kernel.RandomStreams(s.seed()).stream("speculation/" + name);
    }

    /** Draft tokens proposed (k per verified sequence per step). */
    public long speculativeProposed() {
        return specProposed;
    }

    /** Draft tokens accepted (leading successes, before truncation at the request's output length). */
    public long speculativeAccepted() {
        return specAccepted;
    }

    /** Sequence verifications: one per decoding sequence per speculative step. */
    public long speculativeVerifications() {
        return specVerifications;
    }

    /** Tokens emitted by verifications (at most 1 + accepted each, never past a request's output length). */
    public long speculativeEmitted() {
        return specEmitted;
    }

    public String name() {
        return name;
    }

    public List<Device> devices() {
        return devices;
    }

    public Role role() {
        return role;
    }

    /** Prefill role: requests handed off to the decode pool. */
    public long handedOff() {
        return handedOff;
    }

    void makePrefill(Handoff h) {
        this.role = Role.PREFILL;
        this.handoff = h;
    }

    void makeDecode() {
        this.role = Role.DECODE;
    }

    /** Decode role: a request's KV is on its way here (counts as outstanding for the router). */
    void expect() {
        incoming++;
    }

    /** Prefill role: the request's KV has reached its decode replica; its blocks here are freed. */
    void transferred(ServingRequest r) {
        state.kv.release(r);
        handingOff--;
    }

    /** Decode role: the request's prompt KV has arrived; it waits for blocks, then decodes from its first token. */
    void receive(ServingRequest r) {
        incoming--;
        arrived.addLast(r);
    }

    /** Decode role: gives arrived requests their blocks, in order, while they fit above the watermark. */
    private void admitArrived() {
        int watermarkBlocks = (int) Math.ceil(state.config.watermark() * state.kv.totalBlocks());
        while (!arrived.isEmpty() && state.running.size() < state.config.maxSeqs()) {
            ServingRequest r = arrived.peekFirst();
            int blocks = state.kv.blocksFor(r.contextTokens());
            if (state.kv.freeBlocks() - blocks < watermarkBlocks && !state.running.isEmpty()) {
                break;
            }
            if (blocks > state.kv.freeBlocks()) {
                break;
            }
            arrived.pollFirst();
            state.kv.allocate(r, blocks);
            state.running.add(r);
        }
    }

    public KvCache kvCache() {
        return state.kv;
    }

    public long preemptions() {
        return state.preemptions;
    }

    /** Requests admitted but not finished, and requests waiting. */
    public int inFlight() {
        return state.running.size() + state.waiting.size() + state.swapped.size() + arrived.size() + handingOff;
    }

    @Override
    public int outstanding() {
        return state.running.size() + state.waiting.size() + state.swapped.size() + arrived.size() + incoming;
    }

    @Override
    public double kvUsedFraction() {
        return state.kv.totalBlocks() == 0 ? 0 : state.kv.usedBlocks() / (double) state.kv.totalBlocks();
    }

    @Override
    public long kvCapacityTokens() {
        return (long) state.kv.totalBlocks() * state.kv.blockTokens();
    }

    /** Why this replica's policy could never run the request, or null if it can (see {@link BatchScheduler#neverRuns}). */
    String neverRuns(RequestSpec s) {
        return scheduler.neverRuns(s, state.kv, state.config);
    }

    void enqueue(ServingRequest r) {
        state.waiting.add(r);
    }

    void startIfIdle() {
        if (!busy) {
            startStep();
        }
    }

    private void startStep() {
        batch.clear();
        if (role == Role.DECODE) {
            admitArrived();
        }
        scheduler.schedule(state, batch);
        if (batch.isEmpty() && state.running.isEmpty() && !state.swapped.isEmpty()) {
            scheduler.schedule(state, batch); // everyone was just swapped out: an idle replica swaps back in at once
        }
        // arrival checks make this unreachable; kept (as a loop) so a policy bug never spins or stalls the queue
        while (batch.isEmpty() && !state.waiting.isEmpty() && state.running.isEmpty() && state.swapped.isEmpty()) {
            drop(state.waiting.poll(), "unschedulable: the scheduler admitted nothing on an idle replica");
            scheduler.schedule(state, batch);
        }
        accountMemory();
        if (batch.isEmpty()) {
            return;
        }
        busy = true;
        stepStart = sim.now();
        stepRunning = state.running.size();
        stepWaiting = state.waiting.size();
        stepKvUsed = state.kv.usedBlocks();
        BatchShape plain = shapeOf(batch, 0);
        stepPrefillTokens = (int) plain.prefillTokens();
        stepHostBusyBefore = host.busyCoreSeconds();
        stepAttentionBefore = hostAttentionSeconds();
        stepStall = 0;
        stepSwapStall = 0;
        stepFill = 0;
        // launches are asynchronous: the host threads and the devices run at once, and the iteration's launched part
        // ends when both have (the devices wait only for a host that falls behind)
        partsLeft = 2;
        if (experts != null) {
            startMoeStep(plain);
            return;
        }
        List<io.xpusim.model.Operator> offloadOps = null;
        StepCost cost;
        if (offload != null) {
            // the devices run everything but what the host does for them (decode attention on the CPU)
            offloadOps = costs.pass().operators(plain);
            cost = costs.cost(plain, offload.deviceOperators(offloadOps));
        } else {
            cost = costs.cost(spec == null ? plain : shapeOf(batch, spec.tokens()));
        }
        Runnable target = () -> solver.start(new Activity(name + " iteration", cost.deviceSeconds(), computeResources,
                Double.POSITIVE_INFINITY, a -> collectives.allReduce(devices, cost.allReduceBytes(), cost.allReduces(),
                        this::deviceDone)));
        StepCost draft = spec == null ? null : draftCost(plain);
        launch(cost.deviceSeconds() + (draft == null ? 0 : draft.deviceSeconds()),
                cost.hostSeconds() + (draft == null ? 0 : draft.hostSeconds()));
        if (offload != null) {
            partsLeft++;
            stepFill = offload.start(plain, offloadOps, cost.deviceSeconds(), this::partDone);
            if (memory != null) {
                memory.offloadMoved(offload.totals());
            }
        }
        afterSwaps(draft == null ? target : () -> solver.start(new Activity(name + " draft", draft.deviceSeconds(),
                computeResources, Double.POSITIVE_INFINITY,
                a -> collectives.allReduce(devices, draft.allReduceBytes(), draft.allReduces(), target))));
    }

    /**
     * Runs the iteration's device part once its KV swaps are done (at once without any): swap-outs free pages the
     * kernels reuse, swap-ins bring KV they read. The host threads launch meanwhile — launches are asynchronous, the
     * copies and kernels queue on the devices — so only the devices wait; that wait is part of the step's stall.
     */
    private void afterSwaps(Runnable devicePart) {
        if (state.swapper == null || !state.swapper.hasPending()) {
            devicePart.run();
            return;
        }
        long start = sim.now();
        state.swapper.run(() -> {
            stepSwapStall = (sim.now() - start) / 1e12;
            devicePart.run();
        });
    }

    /** Preemption by swap to these offload tiers. */
    void enableSwap(KvSwapper swapper) {
        state.swapper = swapper;
    }

    /** The swapper, or null with preemption by recompute. */
    KvSwapper swapper() {
        return state.swapper;
    }

    /** Requests swapped out now. */
    public int swappedOut() {
        return state.swapped.size();
    }

    /** Books this replica's memory into the run's tiers from now on (weights placed now, KV pages as they change). */
    void trackMemory(ReplicaMemory m) {
        this.memory = m;
    }

    /** Its share of the run's memory tiers (null until tracked). */
    ReplicaMemory memory() {
        return memory;
    }

    /** Books the change in KV pages held since the last iteration into the KV cache's tier. */
    private void accountMemory() {
        if (memory != null) {
            memory.kvBlocks(sim.now(), state.kv.occupiedBlocks());
        }
    }

    /** Counts the iteration's device and host launch seconds and starts every rank's host thread launching. */
    private void launch(double deviceSecondsPerDevice, double hostLaunchSecondsPerRank) {
        stepDeviceSeconds = deviceSecondsPerDevice;
        stepHostLaunchSeconds = hostLaunchSecondsPerRank;
        deviceSeconds += stepDeviceSeconds;
        hostLaunchSeconds += stepHostLaunchSeconds;
        host.everyRank(stepHostLaunchSeconds, this::hostDone);
    }

    /**
     * A mixture-of-experts iteration. Each attention group runs the busiest group's share of the attention, dense
     * layers, router and shared experts (all groups at once, as one activity on every device) and its tensor-parallel
     * all-reduces. The routed experts then run per rank — inside that activity when they are tensor-parallel; under
     * expert parallelism as one activity per rank after the dispatch all-to-all and before the combine, plus the wait
     * for each layer's slowest rank and slowest all-to-all. With two-batch overlap the computation runs as two
     * half-size micro-batches and the all-to-alls run concurrently with it: the iteration takes the longer of the two.
     * Every device's host thread launches its group's share of the dense kernels plus the routed experts' kernels
     * (grouped GEMMs, and under expert parallelism the dispatch and combine), concurrently with the devices, priced by
     * {@link HostLaunchCosts} like a dense iteration (one graph launch for a decode-only iteration with CUDA graphs).
     */
    private void startMoeStep(BatchShape plain) {
        BatchShape share = plain.largestShare(groups.size());
        StepCost dense = overlap ? costs.cost(share.half()).twice() : costs.cost(share);
        ExpertExecution.Step e = experts.step(plain.tokens());
        boolean ep = experts.ranks() > 1;
        double denseSeconds = dense.deviceSeconds() + (ep ? 0 : e.rankSeconds[0]);
        stepCritical = e.criticalSeconds;
        stepMeanRank = e.meanRankSeconds();
        stepBytes = ep ? e.bytes : 0;
        int expertKernels = moeLayers * (ForwardPass.ROUTED_EXPERT_KERNELS + (ep ? 2 : 0));
        launch(denseSeconds + (ep ? stepMeanRank : 0),
                costs.host().seconds(dense.kernels() + expertKernels, plain.prefillTokens() == 0));
        stepAllToAll = 0;
        if (expertOffload != null) {
            // experts offloaded to a memory tier: the MoE layers run one by one, fetching or CPU-computing misses
            afterSwaps(() -> expertOffload.run(dense.deviceSeconds(), e.layerCounts,
                    () -> allReducePerGroup(dense, this::deviceDone)));
            return;
        }
        int[] open = {ep && overlap ? 2 : 1};
        Runnable join = () -> {
            if (--open[0] == 0) {
                deviceDone();
            }
        };
        Runnable runExperts = !ep ? join : () -> {
            Runnable afterCompute = () -> {
                stepComputeChain = (sim.now() - stepStart) / 1e12;
                if (overlap) {
                    join.run();
                } else {
                    allToAll(e.combine, e.commExcessSeconds, join);
                }
            };
            runPerRank(e.rankSeconds, e.computeExcessSeconds, afterCompute);
        };
        Runnable denseDone = () -> allReducePerGroup(dense, !ep || overlap ? runExperts
                : () -> allToAll(e.dispatch, 0, runExperts));
        afterSwaps(() -> {
            solver.start(new Activity(name + " iteration", denseSeconds, computeResources, Double.POSITIVE_INFINITY,
                    a -> denseDone.run()));
            if (ep && overlap) {
                allToAll(e.dispatch, 0, () -> allToAll(e.combine, e.commExcessSeconds, join));
            }
        });
    }

    private void allReducePerGroup(StepCost cost, Runnable done) {
        int[] left = {groups.size()};
        for (List<Device> g : groups) {
            collectives.allReduce(g, cost.allReduceBytes(), cost.allReduces(), () -> {
                if (--left[0] == 0) {
                    done.run();
                }
            });
        }
    }

    /** Every rank's summed expert work at once, then the wait for each layer's slowest rank. */
    private void runPerRank(double[] seconds, double excessSeconds, Runnable done) {
        int[] left = {seconds.length};
        Runnable all = () -> delay(excessSeconds, done);
        for (int r = 0; r < seconds.length; r++) {
            solver.start(new Activity(name + " experts", seconds[r], new Resource[] {computeResources[r]},
                    Double.POSITIVE_INFINITY, a -> {
                        if (--left[0] == 0) {
                            all.run();
                        }
                    }));
        }
    }

    /** One all-to-all over every device standing for all MoE layers' (one latency each), then the per-layer excess. */
    private void allToAll(double[][] bytes, double excessSeconds, Runnable done) {
        long start = sim.now();
        collectives.allToAll(devices, bytes, moeLayers, () -> delay(excessSeconds, () -> {
            stepAllToAll += (sim.now() - start) / 1e12;
            done.run();
        }));
    }

    private void delay(double seconds, Runnable then) {
        long picos = TimeSpan.ofSeconds(seconds).picos();
        if (picos <= 0) {
            then.run();
        } else {
            sim.scheduleIn(picos, arg -> then.run(), 0);
        }
    }

    /** This replica's routed-expert record, or null for a dense model. */
    public io.xpusim.metrics.ExpertLoad expertLoad() {
        return experts == null ? null : experts.load();
    }

    /**
     * The draft's k sequential passes, summed: the first also prefills the batch's prompt chunks into the draft's
     * cache; passes 2..k decode one more draft token per decoding sequence. Their all-reduces are lumped into one
     * run of the same count at the mean size.
     */
    private StepCost draftCost(BatchShape plain) {
        StepCost first = draftCosts.cost(plain);
        double device = first.deviceSeconds();
        double host = first.hostSeconds();
        int kernels = first.kernels();
        int allReduces = first.allReduces();
        double arBytes = first.allReduceBytes() * first.allReduces();
        int n = batch.decodes.size();
        for (int j = 1; j < spec.tokens() && n > 0; j++) {
            StepCost c = draftCosts.cost(new BatchShape(0, 0, 0, 0, 0, n, plain.decodeKvTokens() + (long) j * n));
            device += c.deviceSeconds();
            host += c.hostSeconds();
            kernels += c.kernels();
            allReduces += c.allReduces();
            arBytes += c.allReduceBytes() * c.allReduces();
        }
        return new StepCost(device, host, kernels, allReduces, allReduces == 0 ? 0 : arBytes / allReduces);
    }

    private void deviceDone() {
        deviceEnd = sim.now();
        partDone();
    }

    private void hostDone() {
        hostEnd = sim.now();
        partDone();
    }

    /**
     * When every part is done — plus, with offload, the pipeline fill — the serial overheads (not overlapped with the
     * devices) end the iteration, on each attention group's first rank for its own sequences. The time past the
     * devices' and host threads' own ends is the offload stall.
     */
    private void partDone() {
        if (--partsLeft > 0) {
            return;
        }
        if (offload != null) {
            long fill = Math.round(stepFill * 1e12);
            stepStall = (sim.now() - Math.max(deviceEnd, hostEnd) + fill) / 1e12;
            offloadStallSeconds += stepStall;
            if (fill > 0) {
                sim.scheduleAt(sim.now() + fill, e -> serialPart(), 0);
                return;
            }
        }
        serialPart();
    }

    private void serialPart() {
        // attention groups prepare their own sequences in parallel: the busiest group's share of them
        int perGroup = (batch.size() + groups.size() - 1) / groups.size();
        long serial = iterationOverheadPicos + perGroup * perSequenceOverheadPicos
                + (stepPrefillTokens > 0 ? prefillOverheadPicos : 0);
        host.groupLeaders(devices.size() / groups.size(), costs.host().serialSeconds(serial), this::finishStep);
    }

    private void finishStep() {
        long now = sim.now();
        int tokensOut = 0;
        for (int i = 0; i < batch.prefills.size(); i++) {
            ServingRequest r = batch.prefills.get(i);
            r.prefilled += batch.chunkTokens.get(i);
            if (r.prefillDone()) {
                state.kv.prefillDone(r);
                tokensOut++;
                emitToken(r, now);
                if (role == Role.PREFILL && !r.finished()) {
                    state.running.remove(r); // keeps its KV blocks until the transfer completes
                    handingOff++;
                    handedOff++;
                    handoff.handOff(this, r);
                }
            }
        }
        for (ServingRequest r : batch.decodes) {
            if (spec == null) {
                tokensOut++;
                emitToken(r, now);
                continue;
            }
            int accepted = spec.drawAccepted(specRng);
            specProposed += spec.tokens();
            specAccepted += accepted;
            specVerifications++;
            for (int j = 0; j <= accepted; j++) {
                tokensOut++;
                specEmitted++;
                if (emitToken(r, now)) {
                    break; // never past the request's output length
                }
            }
            if (!r.finished()) {
                state.kv.trim(r, state.kv.blocksFor(r.contextTokens())); // rejected drafts' KV freed
            }
        }
        if (expertOffload != null && memory != null) {
            memory.expertsFetched(expertOffload.stats().tierReadBytes());
        }
        if (experts != null) {
            // with overlap the all-to-all is exposed only where it outlasts the computation chain
            double exposed = overlap ? Math.max(0, (deviceEnd - stepStart) / 1e12 - stepComputeChain) : stepAllToAll;
            experts.load().iteration(stepCritical, stepMeanRank, stepAllToAll, exposed, stepBytes, (now - stepStart) / 1e12);
        }
        if (stepPrefillTokens > 0) {
            prefillBusyPicos += now - stepStart;
        } else {
            decodeBusyPicos += now - stepStart;
        }
        prefillTokensRun += stepPrefillTokens;
        decodeTokensRun += tokensOut - prefillsFinished(batch);
        recorder.iteration(index, stepStart, now, devices.size(), batch.size(), stepPrefillTokens, batch.decodes.size(), stepRunning,
                stepWaiting, stepKvUsed, state.kv.totalBlocks(), stepDeviceSeconds, tokensOut);
        double attention = hostAttentionSeconds();
        recorder.hostIteration(stepStart, now, devices.size(), host.busyCoreSeconds() - stepHostBusyBefore,
                stepStall + stepSwapStall, attention - stepAttentionBefore);
        busy = false;
        startStep();
    }

    /** Prompts whose last chunk ran in this batch (each emitted a first token). */
    private static int prefillsFinished(Batch b) {
        int n = 0;
        for (ServingRequest r : b.prefills) {
            if (r.prefillDone()) {
                n++;
            }
        }
        return n;
    }

    /** Emits one token; returns whether the request finished with it. */
    private boolean emitToken(ServingRequest r, long now) {
        if (r.firstTokenPicos < 0) {
            r.firstTokenPicos = now;
        }
        if (r.lastTokenPicos >= 0) {
            recorder.tokenGap((now - r.lastTokenPicos) / 1e12);
        }
        r.lastTokenPicos = now;
        if (state.emit(r)) {
            r.finishPicos = now;
            recorder.requestDone(new RequestRecord(r.spec.id(), r.spec.arrivalPicos() / 1e12, r.firstTokenPicos / 1e12,
                    now / 1e12, r.spec.inputTokens(), r.spec.outputTokens(), r.preemptions, name, null));
            return true;
        }
        return false;
    }

    void drop(ServingRequest r, String reason) {
        recorder.requestDone(new RequestRecord(r.spec.id(), r.spec.arrivalPicos() / 1e12, Double.NaN, Double.NaN,
                r.spec.inputTokens(), r.spec.outputTokens(), r.preemptions, name, reason));
    }

    /**
     * The batch's shape for the target. With {@code verify} = k &gt; 0 (speculative decoding) each decoding sequence is
     * instead a chunk of k + 1 tokens after its cached context (its last sampled token and k drafts), all k + 1 rows
     * sampled; its last sampled token's KV is not yet cached, so the chunk follows context − 1 cached tokens.
     */
    private static BatchShape shapeOf(Batch b, int verify) {
        long prefillTokens = 0;
        int lastChunks = 0;
        double pairs = 0;
        long prefillKv = 0;
        for (int i = 0; i < b.prefills.size(); i++) {
            ServingRequest r = b.prefills.get(i);
            long c = b.chunkTokens.get(i);
            long p = r.prefilled;
            prefillTokens += c;
            pairs += c * (p + (c + 1) / 2.0);
            prefillKv += p + c;
            if (p + c >= r.prefillTarget()) {
                lastChunks++;
            }
        }
        long decodeKv = 0;
        if (verify > 0) {
            int c = verify + 1;
            for (ServingRequest r : b.decodes) {
                long p = r.contextTokens() - 1;
                prefillTokens += c;
                pairs += c * (p + (c + 1) / 2.0);
                prefillKv += p + c;
                lastChunks += c; // every verified position is sampled (rows of the LM head)
            }
            return new BatchShape(prefillTokens, b.prefills.size() + b.decodes.size(), lastChunks, pairs, prefillKv,
                    b.idleSlots, 0);
        }
        for (ServingRequest r : b.decodes) {
            decodeKv += r.contextTokens();
        }
        // finished sequences still holding a static batch's slot are GEMM rows whose attention is skipped
        return new BatchShape(prefillTokens, b.prefills.size(), lastChunks, pairs, prefillKv, b.decodes.size() + b.idleSlots,
                decodeKv);
    }
}
