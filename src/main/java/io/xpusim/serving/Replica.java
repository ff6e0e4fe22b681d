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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One model instance on tp × pp devices: pp pipeline stages of tp tensor-parallel devices each, and pp engines (vLLM's
 * virtual engines), each with its own scheduler, queues and 1/pp of the KV blocks, running iterations back to back
 * while it has work. An engine's iteration visits the stages in order; a stage runs one iteration at a time, and
 * stage boundaries send the activations over the fabric; so with pp engines up to pp iterations are in flight, one
 * per stage (with pp = 1: one engine, one stage, iterations back to back). A stage's kernels run as one activity on its
 * compute resources and its all-reduces as flows on the scale-up links, while each of its devices' host threads
 * launches the kernels concurrently on its CPU socket ({@link HostThreads}); with offload the streamed weights and host
 * attention run alongside ({@link OffloadWork}), and with preemption by swap the devices start once the iteration's KV
 * swaps are done ({@link KvSwapper}). After the last stage the engine pays the runtime's per-iteration and
 * per-sequence host overheads (and the prefill overhead when it holds prompt tokens) on rank 0 — under attention data
 * parallelism on each group's first rank, for its own sequences, at once — before scheduling again.
 */
public final class Replica implements ReplicaLoad, PipelineStage.Listener {
    /** What a replica runs: whole requests, or one phase of them under prefill/decode disaggregation. */
    public enum Role {
        COLOCATED, PREFILL, DECODE;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where a prefill replica's requests go after their first token, their prompt KV still held here. */
    interface Handoff {
        void handOff(Replica from, ServingRequest r);

        /** A stage starts computing an iteration that completes these prompts (layer-by-layer KV streams from here). */
        default void stageStarted(Replica from, PipelineStage stage, MicroBatch mb) {
        }

        /** The stage's work on that iteration is done: its last layer's KV exists. */
        default void stageDone(Replica from, PipelineStage stage, MicroBatch mb) {
        }
    }

    /**
     * The devices and costs of a replica: one device list and cost model per pipeline stage, each stage holding
     * {@code layersPerStage} layers; {@code computeShare} is the fraction of its devices' compute the replica's math-bound
     * kernels may use (1 but for same-GPU disaggregation); {@code hostSockets[i]} runs the host thread of the replica's
     * i-th device (null: its node has no CPU); {@code exclusiveHost}: nothing else can ever want those sockets' cores.
     */
    record Layout(List<List<Device>> stageDevices, List<StepCostModel> stageCosts, int layersPerStage, double computeShare,
                  Resource[] hostSockets, boolean exclusiveHost) {
    }

    private final String name;
    private Role role = Role.COLOCATED;
    private Handoff handoff;
    /** Prefill role: requests handed off whose KV is still held here until its transfer completes. */
    private int handingOff;
    private long handedOff;
    /** Decode role: requests whose KV transfer is under way to this replica. */
    private int incoming;
    private final Simulation sim;
    private final FairShareSolver solver;
    private final CollectiveEngine collectives;
    private final List<Device> devices;
    private final Resource[] computeResources;
    private final PipelineStage[] stages;
    private final Engine[] engines;
    private final double computeShare;
    /** Same-GPU prefill phase: its KV cache is the decode phase's, which reports it to the recorder (not twice). */
    private boolean kvReportedByPartner;
    private final long iterationOverheadPicos;
    private final long perSequenceOverheadPicos;
    private final long prefillOverheadPicos;
    private final ServingRecorder recorder;
    /** This replica's index in the recorder's per-replica series. */
    private final int index;
    private double hostLaunchSeconds;
    private double deviceSeconds;
    private Speculation spec;
    private StepCostModel draftCosts;
    private RemoteDraft remoteDraft;
    private org.apache.commons.math3.random.RandomGenerator specRng;
    private long specProposed;
    private long specAccepted;
    private long specVerifications;
    private long specEmitted;
    private long prefillBusyPicos;
    private long decodeBusyPicos;
    private long prefillTokensRun;
    private long decodeTokensRun;
    /** Weight streaming and host attention (one stage only), or null. */
    private OffloadWork offload;
    /** Mixture-of-experts execution (one stage only), or null for a dense model. */
    private ExpertExecution experts;
    private OffloadedExperts expertOffload;
    /** Attention data-parallel groups of tp devices each (one group unless MoE serving with attention-dp). */
    private List<List<Device>> groups;
    private boolean overlap;
    private int moeLayers;
    // the running iteration of a MoE or offloaded step (one engine, one stage): its parts and their ends
    private int partsLeft;
    private long deviceEnd;
    private long hostEnd;
    private double stepFill;
    private double stepStall;
    /** Seconds the running iteration's device part waited for its KV swaps. */
    private double stepSwapStall;
    private ReplicaMemory memory;
    private double offloadStallSeconds;
    private double stepAllToAll;
    private double stepComputeChain;
    private double stepCritical;
    private double stepMeanRank;
    private double stepBytes;

    /** One scheduler with its queues and share of the KV cache, one iteration in flight at a time. */
    private final class Engine {
        final int id;
        final BatchScheduler scheduler;
        final SchedulerState state;
        final MicroBatch work;
        final Batch batch = new Batch();
        /** Decode role: requests whose KV has arrived, waiting for blocks (FCFS). */
        final ArrayDeque<ServingRequest> arrived = new ArrayDeque<>();
        boolean busy;
        long stepStart;
        double stepDeviceSeconds;
        int stepPrefillTokens;
        int stepRunning;
        int stepWaiting;
        int stepKvUsed;
        /** The replica's host core-seconds when the step started (one engine: its step's share is the difference). */
        double stepHostBusyBefore;
        /** With pipeline stages (engines overlapping): host core-seconds this engine's step has spent. */
        double stepHostCoreSeconds;
        double stepAttentionBefore;

        Engine(int id, BatchScheduler scheduler, KvCache kv, SchedulerConfig config, int stages) {
            this.id = id;
            this.scheduler = scheduler;
            this.state = new SchedulerState(kv, config);
            this.work = new MicroBatch(id, stages);
        }

        /** Requests it holds or awaits: running, waiting, swapped out and arrived. */
        int unfinished() {
            return state.running.size() + state.waiting.size() + state.swapped.size() + arrived.size();
        }
    }

    Replica(String name, Simulation sim, FairShareSolver solver, CollectiveEngine collectives, Layout layout,
            String policy, List<KvCache> caches, SchedulerConfig config, RuntimeConfig runtime, ServingRecorder recorder) {
        this.name = name;
        this.sim = sim;
        this.solver = solver;
        this.collectives = collectives;
        int pp = layout.stageDevices().size();
        List<Device> all = new ArrayList<>();
        layout.stageDevices().forEach(all::addAll);
        this.devices = List.copyOf(all);
        this.computeResources = devices.stream().map(Device::compute).toArray(Resource[]::new);
        this.computeShare = layout.computeShare();
        this.groups = List.of(devices);
        this.stages = new PipelineStage[pp];
        for (int s = 0; s < pp; s++) {
            List<Device> own = List.copyOf(layout.stageDevices().get(s));
            Resource[] sockets = java.util.Arrays.copyOfRange(layout.hostSockets(), s * own.size(), (s + 1) * own.size());
            String label = pp == 1 ? name : name + " stage " + s;
            HostThreads host = new HostThreads(sim, solver, label, sockets, layout.exclusiveHost());
            stages[s] = new PipelineStage(s, s * layout.layersPerStage(), layout.layersPerStage(), own,
                    layout.stageCosts().get(s), host, pp == 1 ? name + " iteration" : label, computeShare, sim, solver,
                    collectives, this);
        }
        if (caches.size() != pp) {
            throw new IllegalArgumentException("a replica of " + pp + " stages needs " + pp + " KV caches, not " + caches.size());
        }
        this.engines = new Engine[pp];
        for (int e = 0; e < pp; e++) {
            engines[e] = new Engine(e, BatchSchedulers.create(policy), caches.get(e), config, pp);
        }
        this.iterationOverheadPicos = runtime.iterationOverheadPicos();
        this.perSequenceOverheadPicos = runtime.perSequenceOverheadPicos();
        this.prefillOverheadPicos = runtime.prefillOverheadPicos();
        this.recorder = recorder;
        this.index = recorder.addReplica(name);
    }

    /**
     * Turns on mixture-of-experts execution: the devices form {@code attentionDp} attention groups of equal size, each
     * running its share of the batch's attention and dense layers, and {@code e} runs the routed experts (over all
     * devices under expert parallelism, else inside each group's dense computation). One pipeline stage only.
     */
    void enableExperts(ExpertExecution e, int attentionDp, boolean overlapMicroBatches, int moeLayerCount) {
        if (stages.length != 1) {
            throw new IllegalStateException("mixture-of-experts execution with pipeline parallelism is not supported");
        }
        this.experts = e;
        this.overlap = overlapMicroBatches;
        this.moeLayers = moeLayerCount;
        int tp = devices.size() / attentionDp;
        List<List<Device>> g = new ArrayList<>();
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

    /** Turns on offloaded weights and/or host attention for this replica's iterations (one pipeline stage only). */
    void enableOffload(OffloadWork w) {
        if (stages.length != 1) {
            throw new IllegalStateException("offload with pipeline parallelism is not supported");
        }
        this.offload = w;
    }

    /** Time spent in iterations holding prompt tokens (summed over engines). */
    public double prefillBusySeconds() {
        return prefillBusyPicos / 1e12;
    }

    /** Time spent in iterations of decodes only (summed over engines). */
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
        double s = 0;
        for (PipelineStage st : stages) {
            s += st.host.busyCoreSeconds();
        }
        return s;
    }

    /** Host seconds its threads spent launching kernels (per rank; every rank launches its own stage's). */
    public double hostLaunchSeconds() {
        return hostLaunchSeconds;
    }

    /** Seconds its devices waited for offloaded work (streamed weights, host attention) beyond kernels and launches. */
    public double offloadStallSeconds() {
        return offloadStallSeconds;
    }

    /** Seconds its devices waited for KV swaps (preemption by swap) before their iterations' kernels. */
    public double swapStallSeconds() {
        KvSwapper w = engines[0].state.swapper;
        return w == null ? 0 : w.stallSeconds();
    }

    /** Preemption by swap to these offload tiers (one engine: the loader refuses it with pipeline stages). */
    void enableSwap(KvSwapper swapper) {
        if (engines.length != 1) {
            throw new IllegalStateException("preemption by swap with pipeline parallelism is not supported");
        }
        engines[0].state.swapper = swapper;
    }

    /** The swapper, or null with preemption by recompute. */
    KvSwapper swapper() {
        return engines[0].state.swapper;
    }

    /** Requests swapped out now. */
    public int swappedOut() {
        int n = 0;
        for (Engine e : engines) {
            n += e.state.swapped.size();
        }
        return n;
    }

    /** Books this replica's memory into the run's tiers from now on (weights placed now, KV pages as they change). */
    void trackMemory(ReplicaMemory m) {
        this.memory = m;
    }

    /** Its share of the run's memory tiers (null when another replica books the devices: a same-GPU prefill phase). */
    ReplicaMemory memory() {
        return memory;
    }

    /** Books the change in KV pages held (by all its engines) since the last iteration into the KV cache's tier. */
    private void accountMemory() {
        if (memory != null) {
            int blocks = 0;
            for (Engine e : engines) {
                blocks += e.state.kv.occupiedBlocks();
            }
            memory.kvBlocks(sim.now(), blocks);
        }
    }

    /**
     * Runs the iteration's device part once its KV swaps are done (at once without any): swap-outs free pages the
     * kernels reuse, swap-ins bring KV they read. The host threads launch meanwhile — launches are asynchronous, the
     * copies and kernels queue on the devices — so only the devices wait; that wait is part of the step's stall.
     */
    private void afterSwaps(Engine e, Runnable devicePart) {
        KvSwapper w = e.state.swapper;
        if (w == null || !w.hasPending()) {
            devicePart.run();
            return;
        }
        long start = sim.now();
        w.run(() -> {
            stepSwapStall = (sim.now() - start) / 1e12;
            devicePart.run();
        });
    }

    /** Device seconds of its iterations' kernels (per device, communication excluded). */
    public double deviceSeconds() {
        return deviceSeconds;
    }

    /**
     * Turns on speculative decoding: each decode step runs the draft's k passes, then the target verifies k + 1
     * tokens per sequence; {@code draft} costs the draft model where it runs; {@code remote} is that place when it is
     * not this replica's devices (null: the draft shares them).
     */
    void enableSpeculation(Speculation s, StepCostModel draft, RemoteDraft remote) {
        if (engines.length != 1) {
            throw new IllegalStateException("speculative decoding with pipeline parallelism is not supported");
        }
        this.spec = s;
        this.draftCosts = draft;
        this.remoteDraft = remote;
        engines[0].state.lookahead = s.tokens();
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

    /** The draft's own device when it runs off this replica's devices, else null. */
    public RemoteDraft remoteDraft() {
        return remoteDraft;
    }

    public String name() {
        return name;
    }

    /** Every device of the replica, stage by stage. */
    public List<Device> devices() {
        return devices;
    }

    /** Tensor-parallel degree: devices per stage (per attention group under attention-DP). */
    public int tp() {
        return stages[0].devices.size() / groups.size();
    }

    /** Pipeline stages (and engines). */
    public int pp() {
        return stages.length;
    }

    /** The devices of pipeline stage {@code s}. */
    public List<Device> stageDevices(int s) {
        return stages[s].devices;
    }

    /**
     * The devices of stage {@code s} holding request {@code r}'s KV: the stage's, or under attention data parallelism
     * the attention group that runs the request (by its id).
     */
    List<Device> kvDevices(ServingRequest r, int s) {
        return groups.size() == 1 ? stages[s].devices
                : groups.get((int) Math.floorMod(r.spec().id(), (long) groups.size()));
    }

    /** Layers each stage holds. */
    public int layersPerStage() {
        return stages[0].layers;
    }

    /** Device-seconds of work stage {@code s} has started (per device of the stage). */
    public double stageBusySeconds(int s) {
        return stages[s].busyDeviceSeconds();
    }

    /** Fraction of its devices' compute this replica's math-bound kernels may use (below 1 for same-GPU phases). */
    public double computeShare() {
        return computeShare;
    }

    public Role role() {
        return role;
    }

    /** Prefill role: requests handed off to the decode pool. */
    public long handedOff() {
        return handedOff;
    }

    void setRole(Role role) {
        this.role = role;
    }

    /** Same-GPU prefill phase: the decode phase beside it reports the shared KV cache's occupancy. */
    void leaveKvReportToPartner() {
        this.kvReportedByPartner = true;
    }

    /** Prefill role: where requests go after their first token. */
    void setHandoff(Handoff h) {
        this.handoff = h;
    }

    /** Decode role: a request's KV is on its way here (counts as outstanding for the router). */
    void expect() {
        incoming++;
    }

    /** Prefill role: the request's KV has reached its decode replica; its blocks here are freed. */
    void transferred(ServingRequest r) {
        engines[r.engine].state.kv.release(r);
        handingOff--;
    }

    /** Prefill role, same-GPU: the decode engine beside this one takes the request with its blocks (one shared cache). */
    void handedOver(ServingRequest r) {
        handingOff--;
    }

    /**
     * Decode role: the request's prompt KV has arrived (or, same-GPU, is already in the shared cache); it waits for
     * blocks in the engine with the fewest requests, then decodes from its first token.
     */
    void receive(ServingRequest r) {
        incoming--;
        Engine e = leastLoaded();
        r.engine = e.id;
        e.arrived.addLast(r);
    }

    private Engine leastLoaded() {
        Engine best = engines[0];
        for (int i = 1; i < engines.length; i++) {
            if (engines[i].unfinished() < best.unfinished()) {
                best = engines[i];
            }
        }
        return best;
    }

    /** Decode role: gives arrived requests their blocks, in order, while they fit above the watermark. */
    private static void admitArrived(Engine e) {
        SchedulerState state = e.state;
        int watermarkBlocks = (int) Math.ceil(state.config.watermark() * state.kv.totalBlocks());
        while (!e.arrived.isEmpty() && state.running.size() < state.config.maxSeqs()) {
            ServingRequest r = e.arrived.peekFirst();
            int blocks = state.kv.blocksFor(r.contextTokens()) - r.blocks; // same-GPU: it keeps the prefill's blocks
            if (state.kv.freeBlocks() - blocks < watermarkBlocks && !state.running.isEmpty()) {
                break;
            }
            if (blocks > state.kv.freeBlocks()) {
                break;
            }
            e.arrived.pollFirst();
            state.kv.allocate(r, Math.max(0, blocks));
            state.running.add(r);
        }
    }

    /** The KV cache of engine 0 (the only one unless pp > 1); see {@link #kvCaches()}. */
    public KvCache kvCache() {
        return engines[0].state.kv;
    }

    /** One KV cache per engine (vLLM gives each virtual engine 1/pp of the blocks). */
    public List<KvCache> kvCaches() {
        List<KvCache> out = new ArrayList<>(engines.length);
        for (Engine e : engines) {
            out.add(e.state.kv);
        }
        return out;
    }

    public long preemptions() {
        long n = 0;
        for (Engine e : engines) {
            n += e.state.preemptions;
        }
        return n;
    }

    /** Requests admitted but not finished, and requests waiting. */
    public int inFlight() {
        int n = handingOff;
        for (Engine e : engines) {
            n += e.unfinished();
        }
        return n;
    }

    @Override
    public int outstanding() {
        int n = incoming;
        for (Engine e : engines) {
            n += e.unfinished();
        }
        return n;
    }

    @Override
    public double kvUsedFraction() {
        long used = 0;
        long total = 0;
        for (Engine e : engines) {
            used += e.state.kv.usedBlocks();
            total += e.state.kv.totalBlocks();
        }
        return total == 0 ? 0 : used / (double) total;
    }

    @Override
    public long kvCapacityTokens() {
        long tokens = 0;
        for (Engine e : engines) {
            tokens += (long) e.state.kv.totalBlocks() * e.state.kv.blockTokens();
        }
        return tokens;
    }

    /** Why this replica's policy could never run the request, or null if it can (see {@link BatchScheduler#neverRuns}). */
    String neverRuns(RequestSpec s) {
        Engine e = engines[0];
        return e.scheduler.neverRuns(s, e.state.kv, e.state.config);
    }

    /** Queues a new request at the engine with the fewest requests (vLLM adds to the least-loaded virtual engine). */
    void enqueue(ServingRequest r) {
        Engine e = leastLoaded();
        r.engine = e.id;
        e.state.waiting.add(r);
    }

    void startIfIdle() {
        for (Engine e : engines) {
            if (!e.busy) {
                startStep(e);
            }
        }
    }

    private void startStep(Engine e) {
        SchedulerState state = e.state;
        Batch batch = e.batch;
        batch.clear();
        if (role == Role.DECODE) {
            admitArrived(e);
        }
        e.scheduler.schedule(state, batch);
        if (batch.isEmpty() && state.running.isEmpty() && !state.swapped.isEmpty()) {
            e.scheduler.schedule(state, batch); // everyone was just swapped out: an idle replica swaps back in at once
        }
        // arrival checks make this unreachable; kept (as a loop) so a policy bug never spins or stalls the queue
        while (batch.isEmpty() && !state.waiting.isEmpty() && state.running.isEmpty() && state.swapped.isEmpty()) {
            drop(state.waiting.poll(), "unschedulable: the scheduler admitted nothing on an idle replica");
            e.scheduler.schedule(state, batch);
        }
        accountMemory();
        if (batch.isEmpty()) {
            return;
        }
        e.busy = true;
        e.stepStart = sim.now();
        e.stepRunning = state.running.size();
        e.stepWaiting = state.waiting.size();
        e.stepKvUsed = kvReportedByPartner ? 0 : state.kv.usedBlocks();
        BatchShape plain = shapeOf(batch, 0);
        e.stepPrefillTokens = (int) plain.prefillTokens();
        e.stepHostBusyBefore = hostBusyCoreSeconds();
        e.stepHostCoreSeconds = 0;
        e.stepAttentionBefore = hostAttentionSeconds();
        stepStall = 0;
        stepSwapStall = 0;
        if (experts != null) {
            startMoeStep(e, plain);
            return;
        }
        if (offload != null) {
            startOffloadedStep(e, plain);
            return;
        }
        BatchShape shape = spec == null ? plain : shapeOf(batch, spec.tokens());
        MicroBatch mb = e.work;
        mb.shape = shape;
        double device = 0;
        double launches = 0;
        for (PipelineStage s : stages) {
            mb.costs[s.index] = s.costs.cost(shape);
            device += mb.costs[s.index].deviceSeconds();
            launches += mb.costs[s.index].hostSeconds();
            e.stepHostCoreSeconds += mb.costs[s.index].hostSeconds() * s.devices.size();
        }
        double host = mb.costs[0].hostSeconds();
        mb.boundaryBytes = stages.length > 1 ? stages[0].costs.boundaryBytes(shape) : 0;
        mb.completingPrompts.clear();
        if (role == Role.PREFILL) {
            for (int i = 0; i < batch.prefills.size(); i++) {
                ServingRequest r = batch.prefills.get(i);
                if (r.prefilled + batch.chunkTokens.get(i) >= r.prefillTarget() && r.generated + 1 < r.spec.outputTokens()) {
                    mb.completingPrompts.add(r);
                }
            }
        }
        // busy device-seconds per device of the replica: each stage's time counts for its own devices only (and host
        // launch seconds per rank: each stage's ranks launch their own stage's kernels)
        e.stepDeviceSeconds = device / stages.length;
        double perRank = launches / stages.length;
        // the first stage's launches begin with the step (they run ahead of the device, a draft's kernels first)
        mb.partsLeft[0] = 2;
        if (spec == null) {
            count(e, perRank);
            stages[0].launch(mb, host);
            afterSwaps(e, () -> stages[0].submit(mb));
            return;
        }
        StepCost draft = draftCost(plain, batch);
        int seqs = batch.decodes.size() + batch.prefills.size();
        if (remoteDraft != null) {
            double draftHost = remoteDraft.hostSeconds(draft);
            e.stepHostCoreSeconds += draftHost;
            count(e, perRank + draftHost);
            stages[0].launch(mb, host + draftHost);
            remoteDraft.propose(draft, seqs * spec.tokens() * Speculation.TOKEN_ID_BYTES,
                    () -> afterSwaps(e, () -> stages[0].submit(mb)));
            return;
        }
        e.stepDeviceSeconds += draft.deviceSeconds();
        e.stepHostCoreSeconds += draft.hostSeconds() * stages[0].devices.size();
        count(e, perRank + draft.hostSeconds());
        stages[0].launch(mb, host + draft.hostSeconds());
        afterSwaps(e, () -> solver.start(new Activity(name + " draft", draft.deviceSeconds(), computeResources,
                Double.POSITIVE_INFINITY, a -> collectives.allReduce(devices, draft.allReduceBytes(), draft.allReduces(),
                        () -> stages[0].submit(mb)))));
    }

    /** Adds the step's device seconds (per device) and host launch seconds (per rank) to the replica's totals. */
    private void count(Engine e, double hostLaunchSecondsPerRank) {
        deviceSeconds += e.stepDeviceSeconds;
        hostLaunchSeconds += hostLaunchSecondsPerRank;
    }

    /**
     * An iteration with offloaded work (one stage): the devices run everything but what the host does for them (decode
     * attention on the CPU) while every rank's host thread launches the kernels and the offloaded streams run; it ends
     * when all three have, plus the pipeline fill, then the serial overheads.
     */
    private void startOffloadedStep(Engine e, BatchShape plain) {
        StepCostModel costs = stages[0].costs;
        List<io.xpusim.model.Operator> offloadOps = costs.operators(plain);
        StepCost cost = costs.cost(plain, offload.deviceOperators(offloadOps));
        partsLeft = 2;
        launchAll(e, cost.deviceSeconds(), cost.hostSeconds());
        partsLeft++;
        stepFill = offload.start(plain, offloadOps, cost.deviceSeconds(), () -> partDone(e));
        if (memory != null) {
            memory.offloadMoved(offload.totals());
        }
        afterSwaps(e, () -> solver.start(new Activity(name + " iteration", cost.deviceSeconds(), computeResources,
                Double.POSITIVE_INFINITY, a -> collectives.allReduce(devices, cost.allReduceBytes(), cost.allReduces(),
                        () -> deviceDone(e)))));
    }

    /** Counts the iteration's device and host launch seconds and starts every rank's host thread launching. */
    private void launchAll(Engine e, double deviceSecondsPerDevice, double hostLaunchSecondsPerRank) {
        e.stepDeviceSeconds = deviceSecondsPerDevice;
        count(e, hostLaunchSecondsPerRank);
        stages[0].host.everyRank(hostLaunchSecondsPerRank, () -> hostDone(e));
    }

    /**
     * A mixture-of-experts iteration (one stage). Each attention group runs the busiest group's share of the attention,
     * dense layers, router and shared experts (all groups at once, as one activity on every device) and its
     * tensor-parallel all-reduces. The routed experts then run per rank — inside that activity when they are
     * tensor-parallel; under expert parallelism as one activity per rank after the dispatch all-to-all and before the
     * combine, plus the wait for each layer's slowest rank and slowest all-to-all. With two-batch overlap the
     * computation runs as two half-size micro-batches and the all-to-alls run concurrently with it: the iteration takes
     * the longer of the two. Every device's host thread launches its group's share of the dense kernels plus the routed
     * experts' kernels (grouped GEMMs, and under expert parallelism the dispatch and combine), concurrently with the
     * devices, priced by {@link HostLaunchCosts} like a dense iteration (one graph launch for a decode-only iteration
     * with CUDA graphs).
     */
    private void startMoeStep(Engine e, BatchShape plain) {
        StepCostModel costs = stages[0].costs;
        BatchShape share = plain.largestShare(groups.size());
        StepCost dense = overlap ? costs.cost(share.half()).twice() : costs.cost(share);
        ExpertExecution.Step x = experts.step(plain.tokens());
        boolean ep = experts.ranks() > 1;
        double denseSeconds = dense.deviceSeconds() + (ep ? 0 : x.rankSeconds[0]);
        stepCritical = x.criticalSeconds;
        stepMeanRank = x.meanRankSeconds();
        stepBytes = ep ? x.bytes : 0;
        int expertKernels = moeLayers * (ForwardPass.ROUTED_EXPERT_KERNELS + (ep ? 2 : 0));
        partsLeft = 2;
        launchAll(e, denseSeconds + (ep ? stepMeanRank : 0),
                costs.host().seconds(dense.kernels() + expertKernels, plain.prefillTokens() == 0));
        stepAllToAll = 0;
        if (expertOffload != null) {
            // experts offloaded to a memory tier: the MoE layers run one by one, fetching or CPU-computing misses
            afterSwaps(e, () -> expertOffload.run(dense.deviceSeconds(), x.layerCounts,
                    () -> allReducePerGroup(dense, () -> deviceDone(e))));
            return;
        }
        int[] open = {ep && overlap ? 2 : 1};
        Runnable join = () -> {
            if (--open[0] == 0) {
                deviceDone(e);
            }
        };
        Runnable runExperts = !ep ? join : () -> {
            Runnable afterCompute = () -> {
                stepComputeChain = (sim.now() - e.stepStart) / 1e12;
                if (overlap) {
                    join.run();
                } else {
                    allToAll(x.combine, x.commExcessSeconds, join);
                }
            };
            runPerRank(x.rankSeconds, x.computeExcessSeconds, afterCompute);
        };
        Runnable denseDone = () -> allReducePerGroup(dense, !ep || overlap ? runExperts
                : () -> allToAll(x.dispatch, 0, runExperts));
        afterSwaps(e, () -> {
            solver.start(new Activity(name + " iteration", denseSeconds, computeResources, Double.POSITIVE_INFINITY,
                    a -> denseDone.run()));
            if (ep && overlap) {
                allToAll(x.dispatch, 0, () -> allToAll(x.combine, x.commExcessSeconds, join));
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

    private void deviceDone(Engine e) {
        deviceEnd = sim.now();
        partDone(e);
    }

    private void hostDone(Engine e) {
        hostEnd = sim.now();
        partDone(e);
    }

    /**
     * A MoE or offloaded iteration: when every part is done — plus, with offload, the pipeline fill — the serial
     * overheads end it. The time past the devices' and host threads' own ends is the offload stall.
     */
    private void partDone(Engine e) {
        if (--partsLeft > 0) {
            return;
        }
        if (offload != null) {
            long fill = Math.round(stepFill * 1e12);
            stepStall = (sim.now() - Math.max(deviceEnd, hostEnd) + fill) / 1e12;
            offloadStallSeconds += stepStall;
            if (fill > 0) {
                sim.scheduleAt(sim.now() + fill, arg -> serialPart(e), 0);
                return;
            }
        }
        serialPart(e);
    }

    /**
     * The serial overheads (not overlapped with the devices) end the iteration, on each attention group's first rank
     * for its own sequences — rank 0 of the first stage, the engine's driver, without attention-DP.
     */
    private void serialPart(Engine e) {
        // attention groups prepare their own sequences in parallel: the busiest group's share of them
        int perGroup = (e.batch.size() + groups.size() - 1) / groups.size();
        long serial = iterationOverheadPicos + perGroup * perSequenceOverheadPicos
                + (e.stepPrefillTokens > 0 ? prefillOverheadPicos : 0);
        PipelineStage first = stages[0];
        double seconds = first.costs.host().serialSeconds(serial);
        e.stepHostCoreSeconds += seconds * groups.size();
        first.host.groupLeaders(first.devices.size() / groups.size(), seconds, () -> finishStep(e));
    }

    /**
     * The draft's k sequential passes, summed: the first also prefills the batch's prompt chunks into the draft's
     * cache; passes 2..k decode one more draft token per decoding sequence. Their all-reduces are lumped into one
     * run of the same count at the mean size.
     */
    private StepCost draftCost(BatchShape plain, Batch batch) {
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

    @Override
    public void stageStarted(PipelineStage stage, MicroBatch mb) {
        if (handoff != null && !mb.completingPrompts.isEmpty()) {
            handoff.stageStarted(this, stage, mb);
        }
    }

    @Override
    public void stageDone(PipelineStage stage, MicroBatch mb) {
        if (handoff != null && !mb.completingPrompts.isEmpty()) {
            handoff.stageDone(this, stage, mb);
        }
        stage.release();
        if (stage.index < stages.length - 1) {
            forward(stage, mb); // the stage's output exists once its last kernel has both been launched and run
            return;
        }
        Engine e = engines[mb.engine];
        if (remoteDraft != null) {
            int seqs = e.batch.decodes.size() + e.batch.prefills.size();
            remoteDraft.returnTokens(seqs * (spec.tokens() + 1) * Speculation.TOKEN_ID_BYTES, () -> serialPart(e));
            return;
        }
        serialPart(e);
    }

    /**
     * Sends the stage's output to the next stage: rank i to rank i, each its 1/tp slice of the hidden state and
     * residual; the next stage all-gathers them over its tensor-parallel group (vLLM's send_tensor_dict with an
     * all-gather group), then runs the micro-batch.
     */
    private void forward(PipelineStage stage, MicroBatch mb) {
        PipelineStage next = stages[stage.index + 1];
        int tp = stage.devices.size();
        double slice = mb.boundaryBytes / tp;
        int[] left = {tp};
        Runnable arrived = () -> {
            if (--left[0] == 0) {
                collectives.run(io.xpusim.collective.CollectiveOp.ALL_GATHER, next.devices, mb.boundaryBytes,
                        io.xpusim.collective.CollectiveAlgorithm.AUTO, () -> next.submit(mb));
            }
        };
        for (int i = 0; i < tp; i++) {
            collectives.transfer(slice, stage.devices.get(i), next.devices.get(i), arrived);
        }
    }

    private void finishStep(Engine e) {
        long now = sim.now();
        SchedulerState state = e.state;
        Batch batch = e.batch;
        int tokensOut = 0;
        for (int i = 0; i < batch.prefills.size(); i++) {
            ServingRequest r = batch.prefills.get(i);
            r.prefilled += batch.chunkTokens.get(i);
            if (r.prefillDone()) {
                state.kv.prefillDone(r);
                tokensOut++;
                emitToken(state, r, now);
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
                emitToken(state, r, now);
                continue;
            }
            int accepted = spec.drawAccepted(specRng);
            specProposed += spec.tokens();
            specAccepted += accepted;
            specVerifications++;
            for (int j = 0; j <= accepted; j++) {
                tokensOut++;
                specEmitted++;
                if (emitToken(state, r, now)) {
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
            double exposed = overlap ? Math.max(0, (deviceEnd - e.stepStart) / 1e12 - stepComputeChain) : stepAllToAll;
            experts.load().iteration(stepCritical, stepMeanRank, stepAllToAll, exposed, stepBytes, (now - e.stepStart) / 1e12);
        }
        if (e.stepPrefillTokens > 0) {
            prefillBusyPicos += now - e.stepStart;
        } else {
            decodeBusyPicos += now - e.stepStart;
        }
        prefillTokensRun += e.stepPrefillTokens;
        decodeTokensRun += tokensOut - prefillsFinished(batch);
        recorder.iteration(index, e.stepStart, now, devices.size(), batch.size(), e.stepPrefillTokens, batch.decodes.size(),
                e.stepRunning, e.stepWaiting, e.stepKvUsed, state.kv.totalBlocks(), e.stepDeviceSeconds, tokensOut);
        // one engine: the host's work since the step began is the step's; several overlap, so each counts its own
        double hostCore = engines.length == 1 ? hostBusyCoreSeconds() - e.stepHostBusyBefore : e.stepHostCoreSeconds;
        recorder.hostIteration(e.stepStart, now, devices.size(), hostCore, stepStall + stepSwapStall,
                hostAttentionSeconds() - e.stepAttentionBefore);
        e.busy = false;
        startStep(e);
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
    private boolean emitToken(SchedulerState state, ServingRequest r, long now) {
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
