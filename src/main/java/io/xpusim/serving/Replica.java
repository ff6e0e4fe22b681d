package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.EventHandler;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.model.BatchShape;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.TimeSpan;
import io.xpusim.workload.RequestSpec;
import java.util.List;

/**
 * One model instance on a tensor-parallel group of devices, running iterations back to back while it has
 * work. An iteration's kernels run as one activity on the group's compute resources; its all-reduces run
 * as ring flows on the scale-up links; the host launches kernels concurrently, so an iteration ends at
 * max(host launch time, device time + communication) plus the runtime's per-iteration and
 * per-sequence host overheads (and the prefill overhead when it holds prompt tokens).
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
    private final ServingRecorder recorder;
    /** This replica's index in the recorder's per-replica series. */
    private final int index;
    private final Batch batch = new Batch();
    private final EventHandler stepEnd = arg -> finishStep();
    private boolean busy;
    private long stepStart;
    private long hostDone;
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

    Replica(String name, Simulation sim, FairShareSolver solver, CollectiveEngine collectives, List<Device> devices,
            StepCostModel costs, BatchScheduler scheduler, KvCache kv, SchedulerConfig config,
            RuntimeConfig runtime, ServingRecorder recorder) {
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
        return state.running.size() + state.waiting.size() + arrived.size() + handingOff;
    }

    @Override
    public int outstanding() {
        return state.running.size() + state.waiting.size() + arrived.size() + incoming;
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
        // arrival checks make this unreachable; kept (as a loop) so a policy bug never spins or stalls the queue
        while (batch.isEmpty() && !state.waiting.isEmpty() && state.running.isEmpty()) {
            drop(state.waiting.poll(), "unschedulable: the scheduler admitted nothing on an idle replica");
            scheduler.schedule(state, batch);
        }
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
        StepCost cost = costs.cost(spec == null ? plain : shapeOf(batch, spec.tokens()));
        Runnable target = () -> solver.start(new Activity(name + " iteration", cost.deviceSeconds(), computeResources,
                Double.POSITIVE_INFINITY, a -> collectives.allReduce(devices, cost.allReduceBytes(), cost.allReduces(),
                        this::deviceDone)));
        if (spec == null) {
            stepDeviceSeconds = cost.deviceSeconds();
            hostDone = stepStart + TimeSpan.ofSeconds(cost.hostSeconds()).picos();
            target.run();
            return;
        }
        StepCost draft = draftCost(plain);
        stepDeviceSeconds = cost.deviceSeconds() + draft.deviceSeconds();
        hostDone = stepStart + TimeSpan.ofSeconds(cost.hostSeconds() + draft.hostSeconds()).picos();
        solver.start(new Activity(name + " draft", draft.deviceSeconds(), computeResources, Double.POSITIVE_INFINITY,
                a -> collectives.allReduce(devices, draft.allReduceBytes(), draft.allReduces(), target)));
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
        long end = Math.max(sim.now(), hostDone) + iterationOverheadPicos + batch.size() * perSequenceOverheadPicos
                + (stepPrefillTokens > 0 ? prefillOverheadPicos : 0);
        sim.scheduleAt(end, stepEnd, 0);
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
        recorder.iteration(index, stepStart, now, devices.size(), batch.size(), stepPrefillTokens, batch.decodes.size(), stepRunning,
                stepWaiting, stepKvUsed, state.kv.totalBlocks(), stepDeviceSeconds, tokensOut);
        busy = false;
        startStep();
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
