package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.collective.TierTransfers;
import io.xpusim.compute.CostModel;
import io.xpusim.compute.MeasuredCostModel;
import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.HostCpus;
import io.xpusim.kernel.EventHandler;
import io.xpusim.kernel.RandomStreams;
import io.xpusim.kernel.Simulation;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.ExpertLoad;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.model.ExpertPlacement;
import io.xpusim.model.ExpertPlacements;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import io.xpusim.workload.ExpertRouting;
import io.xpusim.workload.RequestSource;
import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a request stream through replicas of a model on a cluster: arrivals are pulled from the source one
 * at a time, routed to a replica by the setup's {@link Router}, checked against what that replica can ever
 * hold (dropped with a reason otherwise), and batched and executed there. Replicas (attention-dp × tp × pp devices
 * each) take the cluster's devices in order: the colocated layout's groups, or under disaggregation the prefill pool's
 * groups then the decode pool's; spare devices for draft models come after them. Every device's host thread runs on
 * its CPU socket ({@link HostCpus}).
 */
public final class ServingSimulator {
    private final Simulation sim = new Simulation();
    private final FairShareSolver solver = new FairShareSolver(sim);
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<Replica, MemoryPlan> plans = new HashMap<>();
    private final Map<String, List<StepCostModel>> stageCosts = new HashMap<>();
    private final ServingSetup setup;
    private final MemoryPlan memory;
    private final ServingRecorder recorder;
    private final RequestSource source;
    private final CollectiveEngine collectives;
    private final HostCpus hostCpus;
    private final Router router;
    /** Expert popularity per MoE layer, shared by every replica (null for a dense model). */
    private final ExpertRouting routing;
    private final Disaggregation disagg;
    private final List<Replica> prefillPool;
    private final List<Replica> decodePool;
    private final KvHandoff handoff;
    private long kvTotalBlocks;
    private int nextSpareDevice;
    private final MemoryTiers tiers;
    /** Moves swapped KV and offloaded experts to and from the memory tiers. */
    private final TierTransfers tierTransfers;
    /** KV offload space per node and tier ("node/tier"), shared by the replicas on the node. */
    private final Map<String, KvTierSpace> kvSpaces = new LinkedHashMap<>();
    private final KvSwapper.Sequence swapOrder = new KvSwapper.Sequence();
    private final EventHandler arrival = arg -> onArrival();
    private RequestSpec pending;
    private long arrived;

    public ServingSimulator(ServingSetup setup, RequestSource source, long binPicos) {
        this.setup = setup;
        this.source = source;
        this.router = Routers.create(setup.router());
        this.disagg = setup.disaggregation();
        ServingConfig c = setup.config();
        List<Device> devices = setup.cluster().devices();
        List<ReplicaGroup> groups = setup.replicaGroups() == null || setup.replicaGroups().isEmpty()
                ? List.of(new ReplicaGroup(setup.replicas(), c.tp(), c.pp(), c.attentionDp(),
                c.moe() == null ? 1 : c.moe().ep())) : setup.replicaGroups();
        boolean pools = disagg != null && !disagg.sameGpu();
        if (pools && setup.replicaGroups() != null && !setup.replicaGroups().isEmpty()) {
            throw new InfeasibleConfigurationException("strategy.replica-groups with disaggregation pools",
                    "give each pool its groups under strategy.disaggregation.prefill and .decode");
        }
        if (c.offload().any() && (setup.model().isMoe() || setup.model().mla() != null)) {
            throw new InfeasibleConfigurationException("offloading a mixture-of-experts or latent-attention model is not "
                    + "supported yet", "remove strategy.offload");
        }
        if (c.kvOffload() != null && (c.attentionDp() > 1 || c.offload().attentionOffloaded())) {
            throw new InfeasibleConfigurationException("preemption by swap with " + (c.attentionDp() > 1
                    ? "attention data parallelism" : "offload.attention: " + c.offload().attention())
                    + " is not supported yet",
                    "use preemption: recompute");
        }
        int needed = pools ? disagg.devices() : groups.stream().mapToInt(ReplicaGroup::devices).sum();
        int replicaCount = pools ? disagg.prefillReplicas() + disagg.decodeReplicas()
                : groups.stream().mapToInt(ReplicaGroup::replicas).sum();
        Speculation spec = c.speculation();
        int spares = spec != null && spec.device() == Speculation.DraftDevice.SPARE ? replicaCount : 0;
        if (needed + spares > devices.size()) {
            String what = pools ? "disaggregation (" + disagg.describe() + ") needs"
                    : setup.replicaGroups() != null && !setup.replicaGroups().isEmpty() ? "replica groups need"
                    : String.format(Locale.ROOT, "%d replicas at tp=%d%s need", setup.replicas(), c.tp(),
                    c.pp() > 1 ? " pp=" + c.pp() : c.attentionDp() > 1 ? " attention-dp=" + c.attentionDp() : "");
            throw new InfeasibleConfigurationException(String.format(Locale.ROOT, "%s %d devices%s but the cluster has %d",
                    what, needed + spares, spares > 0 ? " (with one spare device per replica for its draft model)" : "",
                    devices.size()), "lower replicas or tp, or add nodes");
        }
        this.nextSpareDevice = needed;
        this.recorder = new ServingRecorder(binPicos, needed + spares);
        this.collectives = new CollectiveEngine(sim, solver, setup.cluster());
        this.routing = setup.model().isMoe() ? routing(setup.model(), c.moe()) : null;
        this.hostCpus = new HostCpus(setup.cluster());
        this.tiers = new MemoryTiers(setup.cluster().tierCapacities(), binPicos);
        this.tierTransfers = new TierTransfers(sim, solver, setup.cluster());
        if (pools) {
            recorder.setDisaggregated(true);
            int from = placeGroups(disagg.prefill(), Replica.Role.PREFILL, "prefill", 0);
            placeGroups(disagg.decode(), Replica.Role.DECODE, "decode", from);
            this.prefillPool = List.copyOf(replicas.subList(0, disagg.prefillReplicas()));
            this.decodePool = List.copyOf(replicas.subList(disagg.prefillReplicas(), replicas.size()));
            this.memory = plans.get(decodePool.get(0));
            this.handoff = new KvHandoff(sim, collectives, recorder, decodePool, null, disagg.kvTransfer(), setup.model(),
                    c.kvCache());
        } else if (disagg != null) {
            if (routing != null) {
                throw new InfeasibleConfigurationException("same-GPU disaggregation of a mixture-of-experts model is not "
                        + "supported yet", "use disaggregation pools");
            }
            recorder.setDisaggregated(true);
            placeGroups(groups, null, null, 0);
            List<Replica> prefill = new ArrayList<>();
            List<Replica> decode = new ArrayList<>();
            Map<Replica, Replica> partner = new HashMap<>();
            for (int i = 0; i < replicas.size(); i += 2) {
                prefill.add(replicas.get(i));
                decode.add(replicas.get(i + 1));
                partner.put(replicas.get(i), replicas.get(i + 1));
                replicas.get(i).leaveKvReportToPartner();
            }
            this.prefillPool = List.copyOf(prefill);
            this.decodePool = List.copyOf(decode);
            this.memory = plans.get(replicas.get(0));
            this.handoff = new KvHandoff(sim, collectives, recorder, decodePool, partner, disagg.kvTransfer(), setup.model(),
                    c.kvCache());
        } else {
            placeGroups(groups, Replica.Role.COLOCATED, "replica", 0);
            this.prefillPool = replicas;
            this.decodePool = List.of();
            this.memory = plans.get(replicas.get(0));
            this.handoff = null;
        }
        for (Replica r : prefillPool) {
            if (r.role() == Replica.Role.PREFILL) {
                r.setHandoff(handoff);
            }
        }
    }

    /** The template of device {@code d}'s node (its share of host memory and storage drives plans its memory). */
    private io.xpusim.hardware.NodeProfile nodeOf(Device d) {
        return setup.cluster().nodes().get(d.nodeIndex()).profile();
    }

    /**
     * Places the groups' replicas on the devices from {@code from} on, in order; returns the next free device. Each
     * replica stays on one device type and plans memory and costs for it; each of its pipeline stages (and attention
     * groups) stays inside one node. A null role means same-GPU disaggregation: each replica is a prefill and a decode
     * engine on its devices.
     */
    private int placeGroups(List<ReplicaGroup> groups, Replica.Role role, String prefix, int from) {
        List<Device> devices = setup.cluster().devices();
        int named = 0;
        for (ReplicaGroup g : groups) {
            ServingConfig gc = g.config(setup.config());
            int size = g.devicesPerReplica();
            int stageSize = size / g.pp();
            ExpertPlacement placement = routing == null ? null : placement(gc);
            for (int i = 0; i < g.replicas(); i++, from += size) {
                List<Device> own = devices.subList(from, from + size);
                DeviceProfile profile = own.get(0).profile();
                for (Device d : own) {
                    if (!d.profile().name().equals(profile.name())) {
                        throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                                "replica %d spans two device types (%s, %s)", replicas.size(), profile.name(),
                                d.profile().name()), "a replica stays on one device type and one node");
                    }
                }
                List<List<Device>> stages = new ArrayList<>();
                for (int s = 0; s < g.pp(); s++) {
                    List<Device> stage = List.copyOf(own.subList(s * stageSize, (s + 1) * stageSize));
                    checkStage(stage, g.tp(), role);
                    stages.add(stage);
                }
                for (int s = 0; s + 1 < stages.size(); s++) {
                    setup.cluster().route(stages.get(s).get(0), stages.get(s + 1).get(0)); // fails early if unreachable
                }
                MemoryPlan plan = MemoryPlan.plan(setup.model(), profile, gc, nodeOf(own.get(0)));
                if (role == null) {
                    KvCache shared = newCache(plan.kvBlocks());
                    double share = disagg.prefillShare();
                    place("prefill" + named, Replica.Role.PREFILL, gc, profile, stages, plan, List.of(shared), share, null);
                    place("decode" + named, Replica.Role.DECODE, gc, profile, stages, plan, List.of(shared), 1 - share, null);
                } else {
                    List<KvCache> caches = new ArrayList<>();
                    int blocks = MemoryPlan.replicaKvBlocks(plan, gc);
                    for (int e = 0; e < g.pp(); e++) {
                        caches.add(newCache(blocks / g.pp())); // vLLM: each virtual engine gets 1/pp of the blocks
                    }
                    place(prefix + named, role, gc, profile, stages, plan, caches, 1, placement);
                }
                named++;
            }
        }
        return from;
    }

    private KvCache newCache(int blocks) {
        SchedulerConfig sc = setup.config().scheduler();
        kvTotalBlocks += blocks;
        recorder.setKvTotalBlocks(kvTotalBlocks);
        return new KvCache(blocks, sc.blockTokens(), sc.prefixHashTokens());
    }

    /**
     * A pipeline stage's devices: each tensor-parallel group of tp (one per attention group) inside one node, and a
     * ring over them all reachable (tensor parallelism, or expert parallelism across nodes).
     */
    private void checkStage(List<Device> stage, int tp, Replica.Role role) {
        for (int g = 0; g < stage.size(); g += tp) {
            List<Device> group = stage.subList(g, g + tp);
            int node = group.get(0).nodeIndex();
            if (group.get(group.size() - 1).nodeIndex() != node) {
                throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                        "tensor parallelism of %d spans two nodes (a node has %d devices); tensor parallelism "
                                + "stays inside one node", tp, setup.cluster().nodes().get(node).devices().size()),
                        "use tp ≤ devices per node" + (role == Replica.Role.COLOCATED ? ""
                                : " and pool sizes that keep each replica inside a node"));
            }
        }
        for (int a = 0; a < stage.size(); a++) {
            setup.cluster().route(stage.get(a), stage.get((a + 1) % stage.size())); // fails early if unreachable
        }
    }

    private void place(String name, Replica.Role role, ServingConfig c, DeviceProfile profile, List<List<Device>> stages,
                       MemoryPlan plan, List<KvCache> caches, double share, ExpertPlacement placement) {
        List<StepCostModel> costs = costs(c, profile, share < 1, stages.get(0).get(0));
        List<Device> all = new ArrayList<>();
        stages.forEach(all::addAll);
        Resource[] sockets = all.stream().map(hostCpus::socketOf).toArray(Resource[]::new);
        Speculation spec = c.speculation();
        // with a core per device thread and nothing else on the host (no host attention, no draft on the CPU), the host
        // never contends: no solver needed
        boolean exclusive = !c.offload().attentionOnCpu()
                && !(spec != null && spec.device() == Speculation.DraftDevice.HOST_CPU)
                && java.util.Arrays.stream(sockets).allMatch(s -> s != null && hostCpus.coreForEveryDevice(s));
        Replica.Layout layout = new Replica.Layout(stages, costs, setup.model().layers() / c.pp(), share, sockets,
                exclusive);
        Replica r = new Replica(name, sim, solver, collectives, layout, c.scheduler().policy(), caches, c.scheduler(),
                c.runtime(), recorder);
        if (routing != null) {
            StepCostModel sc = costs.get(0);
            ExpertExecution ex = experts(name, c, sc.pass(), sc.deviceCosts(), placement, all);
            r.enableExperts(ex, c.attentionDp(), c.moe() != null && c.moe().overlap(), setup.model().moeLayers());
            if (c.moe() != null && c.moe().offload() != null) {
                r.enableExpertOffload(offloaded(name, c, ex, sc.pass(), sc.deviceCosts(), all));
            }
        }
        if (spec != null) {
            enableSpeculation(r, c, profile, spec, stages.get(0).get(0), plan, costs.get(0).host());
        }
        if (c.offload().any()) {
            r.enableOffload(new OffloadWork(sim, solver, r.name(), setup.cluster(), hostCpus, r.devices(), setup.model(), c, plan));
        }
        if (share >= 1 || role == Replica.Role.DECODE) {
            trackMemory(r, c, plan, stages.get(0).get(0).profile()); // same-GPU phases: the decode one books the devices
        }
        if (c.kvOffload() != null) {
            r.enableSwap(swapper(c.kvOffload(), plan, r.devices(), r.devices().get(0).nodeIndex()));
        }
        if (role != Replica.Role.COLOCATED) {
            r.setRole(role);
        }
        plans.put(r, plan);
        replicas.add(r);
    }

    /**
     * One cost model per pipeline stage for this device, parallelism and host CPU (the one of {@code first}'s node,
     * whose threads launch the kernels), shared by every replica that has them.
     */
    private List<StepCostModel> costs(ServingConfig c, DeviceProfile device, boolean split, Device first) {
        DeviceProfile cpu = hostCpus.profileOf(first);
        String key = device.name() + "|" + (cpu == null ? "-" : cpu.name()) + "|" + c.tp() + "|" + c.pp() + "|" + split;
        return stageCosts.computeIfAbsent(key, k -> {
            ForwardPass pass = new ForwardPass(setup.model(), c.tp(), c.weights(), c.activations(), c.kvCache());
            HostLaunchCosts host = HostLaunchCosts.of(cpu, c.runtime());
            CostModel deviceCosts = new RooflineCostModel(device, c.activations(),
                    RooflineCostModel.gemmPrecision(device, c.weights(), c.activations()));
            if (!c.measuredCosts().isEmpty()) {
                deviceCosts = new MeasuredCostModel(c.measuredCosts(), deviceCosts);
            }
            List<StepCostModel> out = new ArrayList<>();
            for (int s = 0; s < c.pp(); s++) {
                out.add(new StepCostModel(pass, s, c.pp(), deviceCosts, host, split));
            }
            return List.copyOf(out);
        });
    }

    /** Expert popularity from the recorded histogram, or synthetic from the "routing/popularity" stream. */
    private static ExpertRouting routing(ModelSpec m, MoeServing moe) {
        MoeServing x = moe == null ? MoeServing.tensorParallel(0) : moe;
        if (x.routingHistogram() != null) {
            return ExpertRouting.fromHistogram(x.routingHistogram(), m.moe().topK());
        }
        return ExpertRouting.synthetic(m.moeLayers(), m.moe().experts(), m.moe().topK(), x.skew(), x.locality(),
                new RandomStreams(x.seed()).stream("routing/popularity"));
    }

    /** Where a pool's experts live: over its ep ranks by the named policy, or all (sliced) on every device. */
    private ExpertPlacement placement(ServingConfig c) {
        MoeServing moe = c.moe() == null ? MoeServing.tensorParallel(0) : c.moe();
        if (!moe.expertParallel()) {
            return ExpertPlacements.create("round-robin").place(routing.expectedLoad(), 1, 0);
        }
        return ExpertPlacements.create(moe.placement()).place(routing.expectedLoad(), moe.ep(), moe.redundantExperts());
    }

    /**
     * A replica's routed-expert execution: per-token dispatch at 8 bits when the weights are 8-bit (DeepSeek's FP8
     * dispatch), else at the activation precision; combine at the activation precision.
     */
    private ExpertExecution experts(String replica, ServingConfig c, ForwardPass pass, CostModel costs,
                                    ExpertPlacement placement, List<Device> replicaDevices) {
        MoeServing moe = c.moe() == null ? MoeServing.tensorParallel(0) : c.moe();
        ModelSpec m = setup.model();
        double h = m.hiddenSize();
        boolean eightBit = c.weights() == Precision.FP8 || c.weights() == Precision.INT8;
        double dispatch = h * (eightBit ? 1 : c.activations().bytesPerElement());
        double combine = h * c.activations().bytesPerElement();
        List<Device> ranks = moe.expertParallel() ? replicaDevices : replicaDevices.subList(0, 1);
        return new ExpertExecution(pass, costs, routing, placement, moe.expertParallel() ? 1 : c.tp(), moe.overlap(),
                dispatch, combine, new RandomStreams(moe.seed()).stream("routing/" + replica), setup.cluster(), ranks,
                new ExpertLoad(m.moe().experts(), placement.ranks()));
    }

    /**
     * The draft model where the speculative config puts it: on the replica's own devices at its tp, on the next spare
     * device of the cluster, or on the CPU socket of the replica's first device (computing in fp32 when the CPU has no
     * math in the activation precision), each costed by that device's own roofline. The target's host threads launch
     * an accelerator draft's kernels ({@code host}); a CPU dispatches its operators itself, at its single-thread speed.
     */
    private void enableSpeculation(Replica r, ServingConfig c, DeviceProfile target, Speculation spec, Device first,
                                   MemoryPlan plan, HostLaunchCosts host) {
        // a measured table describes the target's kernels, so the draft is costed by the roofline
        if (spec.onTargetDevices()) {
            r.enableSpeculation(spec, new StepCostModel(new ForwardPass(spec.draft(), c.tp(), c.weights(), c.activations(),
                    c.kvCache()), new RooflineCostModel(target, c.activations()), host), null);
            return;
        }
        boolean cpu = spec.device() == Speculation.DraftDevice.HOST_CPU;
        DeviceProfile profile = cpu ? hostCpus.profileOf(first) : setup.cluster().devices().get(nextSpareDevice).profile();
        Precision math = profile.peakFlopsPerSecond(c.activations()) > 0 ? c.activations() : Precision.FP32;
        // a CPU dispatches its operators itself: framework time per operator at its own speed, no accelerator launch
        HostLaunchCosts dispatch = cpu ? new HostLaunchCosts(0, host.frameworkSecondsPerKernel(), host.speed(), false,
                host.kernelFusion()) : host;
        StepCostModel draftCosts = new StepCostModel(new ForwardPass(spec.draft(), 1, c.weights(), c.activations(),
                c.kvCache()), new RooflineCostModel(profile, math), dispatch);
        MemoryPlan.checkRemoteDraft(spec.draft(), profile, c, (long) plan.kvBlocks() * c.scheduler().blockTokens(), cpu);
        RemoteDraft remote;
        if (cpu) {
            Resource socket = hostCpus.socketOf(first);
            if (socket == null) {
                throw new InfeasibleConfigurationException("node of " + first.name() + " has no CPU for a draft model",
                        "use speculative.device: same or spare");
            }
            String where = socket.name().substring(0, socket.name().lastIndexOf('/')) + " (" + profile.name() + ")";
            remote = RemoteDraft.onHost(r.name() + " draft", sim, solver, setup.cluster(), socket, where, first);
        } else {
            Device d = setup.cluster().devices().get(nextSpareDevice++);
            remote = RemoteDraft.onDevice(r.name() + " draft", sim, solver, collectives, setup.cluster(), d, first);
        }
        r.enableSpeculation(spec, draftCosts, remote);
    }

    /**
     * Books a replica's memory in the run's tiers (every device of it; a KV block on the tp ranks of its group, on every
     * pipeline stage its layers' share of it).
     */
    private void trackMemory(Replica r, ServingConfig c, MemoryPlan plan, DeviceProfile device) {
        int perStage = c.devicesPerReplica() / c.pp();
        double resident = 0;
        double host = 0;
        double kvBlock = 0;
        for (MemoryPlan st : c.pp() == 1 ? List.of(plan) : MemoryPlan.stages(setup.model(), device, c)) {
            resident += (st.weightBytes() + st.activationReserveBytes()) * perStage;
            host += st.hostWeightBytes() * perStage;
            kvBlock += st.kvBlockBytes() * c.tp();
        }
        ReplicaMemory m = new ReplicaMemory(tiers, sim.now(), resident, host, kvBlock, plan.kvTier());
        ExpertOffload experts = c.moe() == null ? null : c.moe().offload();
        if (experts != null) {
            // the replica's copy of every routed expert, at the tier's precision (each device fetches its 1/tp slice)
            ModelSpec model = setup.model();
            m.placeExperts(sim.now(), experts.tier(), model.routedExpertParameters() / model.expertParameters()
                    * experts.tierExpertBytes(model, c.weights()));
        }
        r.trackMemory(m);
    }

    /** A replica's swapper over its node's KV spaces of the offload tiers (created on first use per node). */
    private KvSwapper swapper(KvOffload o, MemoryPlan plan, List<Device> group, int node) {
        KvTierSpace[] spaces = new KvTierSpace[o.tiers().size()];
        for (int t = 0; t < spaces.length; t++) {
            String tier = o.tiers().get(t);
            if (setup.cluster().unitsFor(group.get(0), tier).isEmpty()) {
                throw new InfeasibleConfigurationException("node " + node + " has no memory tier '" + tier
                        + "' for kv-offload", "add the tier to the node group, or remove it from kv-offload.tiers");
            }
            spaces[t] = kvSpaces.computeIfAbsent(node + "/" + tier, k -> new KvTierSpace(tier, o.capacityBytes(tier)));
        }
        return new KvSwapper(o.tiers(), spaces, KvPlacements.create(o.policy()), plan.kvBlockBytes(), group, sim,
                tierTransfers, tiers, swapOrder);
    }

    /** The run's memory tiers: capacity, what is placed where, bytes moved between them. */
    public MemoryTiers memoryTiers() {
        return tiers;
    }

    /** What preemption by swap did over the run, summed over the replicas (all zero without kv-offload). */
    public record SwapTotals(long swapOuts, long swapIns, long demotions, long recomputeFallbacks, double bytesOut,
                             double bytesIn, double bytesDemoted, double stallSeconds) {
    }

    public SwapTotals swapTotals() {
        long outs = 0, ins = 0, dem = 0, fall = 0;
        double out = 0, in = 0, moved = 0, stall = 0;
        for (Replica r : replicas) {
            KvSwapper w = r.swapper();
            if (w != null) {
                outs += w.swapOuts();
                ins += w.swapIns();
                dem += w.demotions();
                fall += w.fallbacks();
                out += w.bytesOut();
                in += w.bytesIn();
                moved += w.bytesDemoted();
                stall += w.stallSeconds();
            }
        }
        return new SwapTotals(outs, ins, dem, fall, out, in, moved, stall);
    }

    /**
     * The KV offload invariants, as broken ones (empty when all hold): no tier's KV space ever held more than its
     * capacity; each space's bytes equal written − read (+ writes in flight); the KV out of HBM less the KV back in
     * equals what the tiers hold; the run's tier ledger agrees; and after draining nothing is left swapped out.
     */
    public List<String> kvOffloadViolations(boolean drained) {
        List<String> broken = new ArrayList<>();
        double held = 0;
        Map<String, double[]> perTier = new LinkedHashMap<>(); // resident, written, read
        for (Map.Entry<String, KvTierSpace> e : kvSpaces.entrySet()) {
            KvTierSpace t = e.getValue();
            double eps = 1e-6 * Math.max(1, t.capacityBytes);
            if (t.peakResidentBytes() > t.capacityBytes + eps) {
                broken.add("KV tier " + e.getKey() + " held " + t.peakResidentBytes() + " B, above its " + t.capacityBytes);
            }
            if (Math.abs(t.residentBytes() - (t.writtenBytes() - t.readBytes() + t.writingBytes())) > eps) {
                broken.add("KV tier " + e.getKey() + " holds " + t.residentBytes() + " B but " + t.writtenBytes()
                        + " were written and " + t.readBytes() + " read");
            }
            if (drained && (t.residentBytes() > eps || t.residentRequests() > 0)) {
                broken.add("KV tier " + e.getKey() + " still holds " + t.residentBytes() + " B after draining");
            }
            held += t.residentBytes() - t.writingBytes();
            double[] sum = perTier.computeIfAbsent(t.tier, k -> new double[3]);
            sum[0] += t.residentBytes();
            sum[1] += t.writtenBytes();
            sum[2] += t.readBytes();
        }
        SwapTotals w = swapTotals();
        if (Math.abs(w.bytesOut() - w.bytesIn() - held) > 1e-6 * Math.max(1, w.bytesOut())) {
            broken.add("KV moved out of HBM (" + w.bytesOut() + " B) less KV moved back (" + w.bytesIn()
                    + " B) differs from what the offload tiers hold (" + held + " B)");
        }
        var hbm = tiers.tier(io.xpusim.hardware.TierSpec.DEVICE);
        double read = 0;
        double written = 0;
        for (Replica r : replicas) {
            if (r.memory() != null) {
                read += r.memory().hbmReadBytes(); // offloaded weights', attention's and experts' traffic is in it too
                written += r.memory().hbmWriteBytes();
            }
        }
        if (Math.abs(hbm.readBytes() - read - w.bytesOut()) > 1e-6 * Math.max(1, w.bytesOut())
                || Math.abs(hbm.writeBytes() - written - w.bytesIn()) > 1e-6 * Math.max(1, w.bytesIn())) {
            broken.add("the hbm tier's read/write bytes differ from the KV swapped out/in");
        }
        for (Map.Entry<String, double[]> e : perTier.entrySet()) {
            var u = tiers.tier(e.getKey());
            double[] v = e.getValue();
            double eps = 1e-6 * Math.max(1, u.capacityBytes());
            if (Math.abs(u.residentBytes() - v[0]) > eps || Math.abs(u.writeBytes() - v[1]) > eps
                    || Math.abs(u.readBytes() - v[2]) > eps) {
                broken.add("the " + e.getKey() + " tier's ledger differs from its KV spaces");
            }
        }
        if (drained) {
            for (Replica r : replicas) {
                if (r.swappedOut() != 0) {
                    broken.add(r.name() + " still has " + r.swappedOut() + " requests swapped out after draining");
                }
            }
        }
        return broken;
    }

    /**
     * A replica's offloaded experts: fetched from the offload tier over its devices' host links (this simulator's
     * {@link TierTransfers}), or computed on the node's host CPU (its roofline at the serving precisions); the prefetch
     * predictor draws from the "expert-prefetch/&lt;replica&gt;" stream.
     */
    private OffloadedExperts offloaded(String replica, ServingConfig c, ExpertExecution ex, ForwardPass pass,
                                       CostModel costs, List<Device> replicaDevices) {
        DeviceProfile cpu = setup.hostCpu();
        // a CPU without the activations' 16-bit math (Skylake's AVX-512 is fp32 only) computes in fp32
        Precision math = cpu.peakFlopsPerSecond(c.activations()) > 0 ? c.activations() : Precision.FP32;
        CostModel cpuCosts = new RooflineCostModel(cpu, math, RooflineCostModel.gemmPrecision(cpu, c.weights(), math));
        ForwardPass cpuPass = new ForwardPass(setup.model(), 1, c.weights(), c.activations(), c.kvCache());
        return new OffloadedExperts(sim, solver, tierTransfers, setup.cluster(), List.copyOf(replicaDevices),
                c.moe().offload(), setup.model(), c.weights(), ex, costs, pass, cpuCosts, cpuPass, routing.expectedLoad(),
                new RandomStreams(c.moe().seed()).stream("expert-prefetch/" + replica));
    }

    public io.xpusim.hardware.Cluster cluster() {
        return setup.cluster();
    }

    /** Whether prefill and decode run on separate pools. */
    public boolean disaggregated() {
        return disagg != null;
    }

    /** Whether prefill and decode run as two engines sharing each replica's devices (same-GPU disaggregation). */
    public boolean sameGpu() {
        return disagg != null && disagg.sameGpu();
    }

    /** KV bytes moved from prefill to decode replicas (all transfers completed so far). */
    public double kvTransferBytes() {
        return handoff == null ? 0 : handoff.bytesTransferred();
    }

    /** Prompt KV bytes of the requests handed off to the decode pool (whether or not their transfer has finished). */
    public double kvHandOffBytes() {
        return handoff == null ? 0 : handoff.bytesProduced();
    }

    public long handOffs() {
        return handoff == null ? 0 : handoff.handOffs();
    }

    /** Per completed hand-off, seconds from the request's first token until its KV had landed (0 if it landed first). */
    public double[] kvTransferExposedSeconds() {
        return handoff == null ? new double[0] : handoff.exposedSeconds();
    }

    /** The memory plan of the first (decode, under disaggregation) replica; see {@link #memoryPlan(Replica)}. */
    public MemoryPlan memoryPlan() {
        return memory;
    }

    /** The memory plan of one replica (for pp > 1, its binding stage's). */
    public MemoryPlan memoryPlan(Replica r) {
        return plans.get(r);
    }

    public ServingRecorder recorder() {
        return recorder;
    }

    public List<Replica> replicas() {
        return replicas;
    }

    public Simulation simulation() {
        return sim;
    }

    public FairShareSolver solver() {
        return solver;
    }

    public CollectiveEngine collectives() {
        return collectives;
    }

    /** Every capacity-limited resource of the cluster: device compute, link directions, memory units, CPU sockets. */
    public List<Resource> resources() {
        List<Resource> all = new ArrayList<>();
        for (Device d : setup.cluster().devices()) {
            all.add(d.compute());
        }
        all.addAll(setup.cluster().linkResources());
        all.addAll(setup.cluster().memoryResources());
        all.addAll(hostCpus.all());
        return all;
    }

    /** The host CPU sockets, one resource of cores each. */
    public HostCpus hostCpus() {
        return hostCpus;
    }

    public long arrivals() {
        return arrived;
    }

    /** Runs to completion or to a limit; returns why it stopped. */
    public StopReason run(long maxEvents, long maxWallNanos) {
        pending = source.next();
        if (pending != null) {
            sim.scheduleAt(pending.arrivalPicos(), arrival, 0);
        }
        return sim.run(Long.MAX_VALUE, maxEvents, maxWallNanos);
    }

    /** Admits every request arriving at this instant, then lets idle replicas start, so simultaneous
     *  arrivals can share their first batch. */
    private void onArrival() {
        long now = sim.now();
        while (pending != null && pending.arrivalPicos() <= now) {
            RequestSpec spec = pending;
            arrived++;
            ServingRequest r = new ServingRequest(spec);
            Replica target = prefillPool.get(router.route(spec, prefillPool));
            String reason = neverFits(spec, target);
            if (reason == null && !decodePool.isEmpty()) {
                reason = neverDecodes(spec);
            }
            if (reason != null) {
                target.drop(r, reason);
            } else {
                target.enqueue(r);
            }
            pending = source.next();
        }
        for (Replica r : replicas) {
            r.startIfIdle();
        }
        if (pending != null) {
            sim.scheduleAt(pending.arrivalPicos(), arrival, 0);
        }
    }

    /** Why no decode replica could ever run the request (the first one's reason), or null if one can. */
    private String neverDecodes(RequestSpec s) {
        String first = null;
        for (Replica d : decodePool) {
            String why = d.neverRuns(s);
            if (why == null) {
                return null;
            }
            first = first == null ? why : first;
        }
        return first;
    }

    /** Why a request can never be served by this replica ("category: details"), or null if it can. */
    private String neverFits(RequestSpec s, Replica replica) {
        ServingConfig c = setup.config();
        long total = (long) s.inputTokens() + s.outputTokens();
        if (total > c.maxModelLen()) {
            return String.format(Locale.ROOT, "longer than the context limit: prompt %d + output %d tokens > %d",
                    s.inputTokens(), s.outputTokens(), c.maxModelLen());
        }
        return replica.neverRuns(s);
    }
}
