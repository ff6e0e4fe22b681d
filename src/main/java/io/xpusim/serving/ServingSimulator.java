package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.compute.CostModel;
import io.xpusim.compute.MeasuredCostModel;
import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.kernel.EventHandler;
import io.xpusim.kernel.Simulation;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.model.ForwardPass;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import io.xpusim.workload.RequestSource;
import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
    private final Router router;
    private final EventHandler arrival = arg -> onArrival();
    private RequestSpec pending;
    private long arrived;

    public ServingSimulator(ServingSetup setup, RequestSource source, long binPicos) {
        this.setup = setup;
        this.source = source;
        this.router = Routers.create(setup.router());
        ServingConfig c = setup.config();
        List<Device> devices = setup.cluster().devices();
        int needed = c.tp() * setup.replicas();
        if (needed > devices.size()) {
            throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                    "%d replicas at tp=%d need %d devices but the cluster has %d", setup.replicas(), c.tp(), needed,
                    devices.size()), "lower replicas or tp, or add nodes");
        }
        DeviceProfile device = devices.get(0).profile();
        this.memory = MemoryPlan.plan(setup.model(), device, c);
        this.recorder = new ServingRecorder(binPicos, needed);
        this.collectives = new CollectiveEngine(sim, solver, setup.cluster());
        Precision math = c.activations();
        ForwardPass pass = new ForwardPass(setup.model(), c.tp(), c.weights(), c.activations(), c.kvCache());
        double hostPerKernel = (setup.hostCpu().kernelLaunchPicos() + c.runtime().frameworkOverheadPerKernelPicos()) / 1e12;
        CostModel deviceCosts = new RooflineCostModel(device, math);
        if (!c.measuredCosts().isEmpty()) {
            deviceCosts = new MeasuredCostModel(c.measuredCosts(), deviceCosts);
        }
        StepCostModel costs = new StepCostModel(pass, deviceCosts, hostPerKernel);
        for (int i = 0; i < setup.replicas(); i++) {
            List<Device> group = devices.subList(i * c.tp(), (i + 1) * c.tp());
            int node = group.get(0).nodeIndex();
            if (group.get(group.size() - 1).nodeIndex() != node) {
                throw new InfeasibleConfigurationException(String.format(Locale.ROOT,
                        "tensor parallelism of %d spans two nodes (a node has %d devices); tensor parallelism "
                                + "stays inside one node", c.tp(), setup.cluster().nodes().get(node).devices().size()),
                        "use tp ≤ devices per node");
            }
            for (int a = 0; a < group.size(); a++) {
                setup.cluster().route(group.get(a), group.get((a + 1) % group.size())); // fails early if unreachable
            }
            KvCache kv = new KvCache(memory.kvBlocks(), c.scheduler().blockTokens(), c.scheduler().prefixHashTokens());
            recorder.setKvTotalBlocks((long) memory.kvBlocks() * (i + 1));
            replicas.add(new Replica("replica" + i, sim, solver, collectives, List.copyOf(group), costs,
                    BatchSchedulers.create(c.scheduler().policy()), kv, c.scheduler(),
                    c.runtime(), recorder));
        }
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

    /** Every capacity-limited resource of the cluster: device compute and link directions. */
    public List<Resource> resources() {
        List<Resource> all = new ArrayList<>();
        for (Device d : setup.cluster().devices()) {
            all.add(d.compute());
        }
        all.addAll(setup.cluster().linkResources());
        return all;
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
            Replica target = replicas.get(router.route(spec, replicas));
            String reason = neverFits(spec, target);
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
