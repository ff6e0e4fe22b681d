package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.collective.TierTransfers;
import io.xpusim.compute.CostModel;
import io.xpusim.compute.MeasuredCostModel;
import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.kernel.EventHandler;
import io.xpusim.kernel.Simulation;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.MemoryTiers;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.kernel.RandomStreams;
import io.xpusim.metrics.ExpertLoad;
import io.xpusim.model.ExpertPlacement;
import io.xpusim.model.ExpertPlacements;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.workload.ExpertRouting;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import io.xpusim.workload.RequestSource;
import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a request stream through replicas of a model on a cluster: arrivals are pulled from the source one
 * at a time, routed to a replica by the setup's {@link Router}, checked against what that replica can ever
 * hold (dropped with a reason otherwise), and batched and executed there.
 */
public final class ServingSimulator {
    private final Simulation sim = new Simulation();
    private final FairShareSolver solver = new FairShareSolver(sim);
    private final List<Replica> replicas = new ArrayList<>();
    private final ServingSetup setup;
    private final MemoryPlan memory;
    private final ServingRecorder recorder;
    private final RequestSource source;
    private final CollectiveEngine collectives;
    private final io.xpusim.hardware.HostCpus hostCpus;
    private final Router router;
    /** Expert popularity per MoE layer, shared by every replica (null for a dense model). */
    private final ExpertRouting routing;
    private final Disaggregation disagg;
    private final List<Replica> prefillPool;
    private final List<Replica> decodePool;
    private double prefillKvBytesPerTokenPerRank;
    private double kvBytesProduced;
    private double kvBytesTransferred;
    private long handOffs;
    private long kvTotalBlocks;
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
        List<ReplicaGroup> groups = setup.replicaGroups() == null ? List.of() : setup.replicaGroups();
        if (!groups.isEmpty() && disagg != null) {
            throw new InfeasibleConfigurationException("replica groups with disaggregation are not supported yet",
                    "use strategy.replica-groups or strategy.disaggregation");
        }
        int needed = !groups.isEmpty() ? groups.stream().mapToInt(ReplicaGroup::devices).sum()
                : disagg == null ? c.devicesPerReplica() * setup.replicas() : disagg.devices();
        if (needed > devices.size()) {
            throw new InfeasibleConfigurationException(!groups.isEmpty() ? String.format(Locale.ROOT,
                    "replica groups need %d devices but the cluster has %d", needed, devices.size())
                    : disagg == null ? String.format(Locale.ROOT,
                    "%d replicas at tp=%d need %d devices but the cluster has %d", setup.replicas(), c.tp(), needed,
                    devices.size()) : String.format(Locale.ROOT, "disaggregation (%d prefill replicas at tp=%d, %d decode "
                    + "replicas at tp=%d) needs %d devices but the cluster has %d", disagg.prefillReplicas(),
                    disagg.prefillTp(), disagg.decodeReplicas(), disagg.decodeTp(), needed, devices.size()),
                    "lower replicas or tp, or add nodes");
        }
        DeviceProfile device = devices.get(0).profile();
        this.recorder = new ServingRecorder(binPicos, needed);
        this.collectives = new CollectiveEngine(sim, solver, setup.cluster());
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
        this.routing = setup.model().isMoe() ? routing(setup.model(), c.moe()) : null;
        this.hostCpus = new io.xpusim.hardware.HostCpus(setup.cluster());
        this.tiers = new MemoryTiers(setup.cluster().tierCapacities(), binPicos);
        this.tierTransfers = new TierTransfers(sim, solver, setup.cluster());
        if (!groups.isEmpty()) {
            MemoryPlan first = null;
            int from = 0;
            for (ReplicaGroup g : groups) {
                // each replica group plans memory and costs for the profile of its own devices
                for (int i = 0; i < g.replicas(); i++) {
                    int at = from + i * g.tp();
                    DeviceProfile own = devices.get(at).profile();
                    for (Device d : devices.subList(at, at + g.tp())) {
                        if (!d.profile().name().equals(own.name())) {
                            throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                                    "replica %d spans two device types (%s, %s)", replicas.size() + i, own.name(),
                                    d.profile().name()), "a replica stays on one device type and one node");
                        }
                    }
                }
                ServingConfig gc = c.withTp(g.tp());
                DeviceProfile own = devices.get(from).profile();
                MemoryPlan plan = MemoryPlan.plan(setup.model(), own, gc, nodeOf(from));
                if (first == null) {
                    first = plan;
                }
                // a group's replicas share one profile unless the group crosses a device-type boundary: split it there
                int i = 0;
                while (i < g.replicas()) {
                    DeviceProfile p = devices.get(from + i * g.tp()).profile();
                    int j = i;
                    while (j < g.replicas() && devices.get(from + j * g.tp()).profile().name().equals(p.name())) {
                        j++;
                    }
                    MemoryPlan pp = p.name().equals(own.name()) ? plan : MemoryPlan.plan(setup.model(), p, gc, nodeOf(from + i * g.tp()));
                    addPool("replica", j - i, gc, pp, from + i * g.tp(), p, Replica.Role.COLOCATED, replicas.size());
                    i = j;
                }
                from += g.devices();
            }
            this.memory = first;
            this.prefillPool = replicas;
            this.decodePool = List.of();
        } else if (disagg == null) {
            this.memory = MemoryPlan.plan(setup.model(), device, c, nodeOf(0));
            addPool("replica", setup.replicas(), c, memory, 0, device, Replica.Role.COLOCATED, 0);
            this.prefillPool = replicas;
            this.decodePool = List.of();
        } else {
            recorder.setDisaggregated(true);
            ServingConfig pc = disagg.prefillConfig(c);
            ServingConfig dc = disagg.decodeConfig(c);
            MemoryPlan pm = MemoryPlan.plan(setup.model(), device, pc);
            this.memory = MemoryPlan.plan(setup.model(), device, dc);
            this.prefillKvBytesPerTokenPerRank = setup.model().kvBytesPerTokenPerRank(disagg.prefillTp(), c.kvCache());
            addPool("prefill", disagg.prefillReplicas(), pc, pm, 0, device, Replica.Role.PREFILL, 0);
            addPool("decode", disagg.decodeReplicas(), dc, memory, disagg.prefillReplicas() * disagg.prefillDevicesPerReplica(),
                    device, Replica.Role.DECODE, 0);
            this.prefillPool = replicas.subList(0, disagg.prefillReplicas());
            this.decodePool = replicas.subList(disagg.prefillReplicas(), replicas.size());
        }
    }

    /** The template of device {@code index}'s node (its share of host memory and storage drives plans its memory). */
    private io.xpusim.hardware.NodeProfile nodeOf(int index) {
        var d = setup.cluster().devices().get(index);
        return setup.cluster().nodes().get(d.nodeIndex()).profile();
    }

    private void addPool(String prefix, int count, ServingConfig c, MemoryPlan plan, int firstDevice, DeviceProfile device,
                         Replica.Role role, int firstName) {
        List<Device> devices = setup.cluster().devices();
        Precision math = c.activations();
        ForwardPass pass = new ForwardPass(setup.model(), c.tp(), c.weights(), c.activations(), c.kvCache());
        // the host CPU of the pool's first node launches its kernels (a pool's replicas share one device type)
        HostLaunchCosts host = HostLaunchCosts.of(hostCpus.profileOf(devices.get(firstDevice)), c.runtime());
        CostModel deviceCosts = new RooflineCostModel(device, math,
                RooflineCostModel.gemmPrecision(device, c.weights(), c.activations()));
        if (!c.measuredCosts().isEmpty()) {
            deviceCosts = new MeasuredCostModel(c.measuredCosts(), deviceCosts);
        }
        StepCostModel costs = new StepCostModel(pass, deviceCosts, host);
        Speculation spec = c.speculation();
        StepCostModel draftCosts = spec == null ? null : new StepCostModel(
                new ForwardPass(spec.draft(), c.tp(), c.weights(), c.activations(), c.kvCache()),
                new RooflineCostModel(device, math), host); // a measured table describes the target's kernels
        int size = c.devicesPerReplica();
        ExpertPlacement placement = routing == null ? null : placement(c);
        for (int i = 0; i < count; i++) {
            int from = firstDevice + i * size;
            List<Device> replicaDevices = devices.subList(from, from + size);
            for (int g = 0; g < c.attentionDp(); g++) {
                List<Device> group = replicaDevices.subList(g * c.tp(), (g + 1) * c.tp());
                int node = group.get(0).nodeIndex();
                if (group.get(group.size() - 1).nodeIndex() != node) {
                    throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                            "tensor parallelism of %d spans two nodes (a node has %d devices); tensor parallelism "
                                    + "stays inside one node", c.tp(), setup.cluster().nodes().get(node).devices().size()),
                            "use tp ≤ devices per node" + (role == Replica.Role.COLOCATED ? ""
                                    : " and pool sizes that keep each replica inside a node"));
                }
            }
            for (int a = 0; a < replicaDevices.size(); a++) {
                // fails early if unreachable (a tensor-parallel ring, or expert parallelism across nodes)
                setup.cluster().route(replicaDevices.get(a), replicaDevices.get((a + 1) % replicaDevices.size()));
            }
            int blocks = MemoryPlan.replicaKvBlocks(plan, c);
            KvCache kv = new KvCache(blocks, c.scheduler().blockTokens(), c.scheduler().prefixHashTokens());
            kvTotalBlocks += blocks;
            recorder.setKvTotalBlocks(kvTotalBlocks);
            String name = prefix + (firstName + i);
            Resource[] sockets = replicaDevices.stream().map(hostCpus::socketOf).toArray(Resource[]::new);
            // with a core per device thread and no host attention anywhere, the host never contends: no solver needed
            boolean exclusive = !c.offload().attentionOnCpu() && java.util.Arrays.stream(sockets)
                    .allMatch(s -> s != null && hostCpus.coreForEveryDevice(s));
            Replica r = new Replica(name, sim, solver, collectives, List.copyOf(replicaDevices), costs,
                    BatchSchedulers.create(c.scheduler().policy()), kv, c.scheduler(), c.runtime(), recorder, sockets,
                    exclusive);
            if (routing != null) {
                ExpertExecution ex = experts(name, c, pass, deviceCosts, placement, replicaDevices);
                r.enableExperts(ex, c.attentionDp(), c.moe() != null && c.moe().overlap(), setup.model().moeLayers());
                if (c.moe() != null && c.moe().offload() != null) {
                    r.enableExpertOffload(offloaded(name, c, ex, pass, deviceCosts, replicaDevices));
                }
            }
            if (spec != null) {
                r.enableSpeculation(spec, draftCosts);
            }
            if (c.offload().any()) {
                r.enableOffload(new OffloadWork(sim, solver, r.name(), setup.cluster(), hostCpus, r.devices(), setup.model(), c, plan));
            }
            trackMemory(r, c, plan);
            if (c.kvOffload() != null) {
                r.enableSwap(swapper(c.kvOffload(), plan, r.devices(), r.devices().get(0).nodeIndex()));
            }
            if (role == Replica.Role.PREFILL) {
                r.makePrefill(this::handOff);
            } else if (role == Replica.Role.DECODE) {
                r.makeDecode();
            }
            replicas.add(r);
        }
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

    /** Books a replica's memory in the run's tiers (every device of it; a KV block on the tp ranks of its group). */
    private void trackMemory(Replica r, ServingConfig c, MemoryPlan plan) {
        int n = c.devicesPerReplica();
        ReplicaMemory m = new ReplicaMemory(tiers, sim.now(), (plan.weightBytes() + plan.activationReserveBytes()) * n,
                plan.hostWeightBytes() * n, plan.kvBlockBytes() * c.tp(), plan.kvTier());
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
            read += r.memory().hbmReadBytes(); // offloaded weights', attention's and experts' traffic is in it too
            written += r.memory().hbmWriteBytes();
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

    /**
     * Moves a prefilled request's prompt KV to the least-outstanding decode replica: prefill rank i sends the share
     * of its KV heads that decode rank j holds (head ranges overlapping), all pairs concurrently over the fabric;
     * when the last byte lands the prefill replica frees its blocks and the decode replica queues the request.
     */
    private void handOff(Replica from, ServingRequest r) {
        Replica to = decodePool.get(LeastOutstandingRouter.leastOutstanding(decodePool));
        to.expect();
        // with attention data parallelism the request's KV lives on one attention group at each end
        List<Device> fromGroup = from.attentionGroups().get((int) Math.floorMod(r.spec().id(), (long) from.attentionGroups().size()));
        List<Device> toGroup = to.attentionGroups().get((int) Math.floorMod(r.spec().id(), (long) to.attentionGroups().size()));
        int a = fromGroup.size();
        int b = toGroup.size();
        double perRank = r.spec().inputTokens() * prefillKvBytesPerTokenPerRank;
        // a latent KV cache (MLA) is whole on every rank: each decode rank gets all of it from one prefill rank
        boolean replicated = setup.model().mla() != null;
        kvBytesProduced += replicated ? perRank * b : perRank * a;
        handOffs++;
        int[] left = {0};
        List<Runnable> sends = new ArrayList<>();
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                double lo = Math.max(i / (double) a, j / (double) b);
                double hi = Math.min((i + 1) / (double) a, (j + 1) / (double) b);
                if (replicated ? j % a != i : hi <= lo) {
                    continue;
                }
                double bytes = replicated ? perRank : perRank * (hi - lo) * a;
                Device src = fromGroup.get(i);
                Device dst = toGroup.get(j);
                left[0]++;
                sends.add(() -> {
                    long start = sim.now();
                    collectives.transfer(bytes, src, dst, () -> {
                    kvBytesTransferred += bytes;
                    recorder.kvTransfer(start, sim.now(), bytes);
                    if (--left[0] == 0) {
                        from.transferred(r);
                        to.receive(r);
                        to.startIfIdle();
                        from.startIfIdle();
                    }
                    });
                });
            }
        }
        sends.forEach(Runnable::run);
    }

    /** Whether prefill and decode run on separate pools. */
    public boolean disaggregated() {
        return disagg != null;
    }

    /** KV bytes moved from prefill to decode replicas (all transfers completed so far). */
    public double kvTransferBytes() {
        return kvBytesTransferred;
    }

    /** Prompt KV bytes of the requests handed off to the decode pool (whether or not their transfer has finished). */
    public double kvHandOffBytes() {
        return kvBytesProduced;
    }

    public long handOffs() {
        return handOffs;
    }

    public io.xpusim.hardware.Cluster cluster() {
        return setup.cluster();
    }

    public MemoryPlan memoryPlan() {
        return memory;
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
    public io.xpusim.hardware.HostCpus hostCpus() {
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
                reason = decodePool.get(0).neverRuns(spec);
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
