package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.List;

/**
 * A speculative-decoding draft model running off its target replica's devices: on a spare accelerator of the cluster
 * or on the CPU socket of the target's first device. Each step its k passes run as one activity on that device's
 * compute (costed by that device's own model); then its proposed token ids cross to the target's first device, and
 * after the verification the emitted token ids cross back, each a small transfer whose latency counts: over the
 * fabric's route for an accelerator, over the device's host link (PCIe and host memory) for the CPU.
 *
 * <p>On the CPU the passes run on the socket's cores — the resource the host threads launching kernels run on, so they
 * contend — as core-seconds on all of its cores, and the CPU dispatches its operators itself: the draft's host time
 * (framework time per operator at the CPU's single-thread speed) follows on one core rather than overlapping.
 */
public final class RemoteDraft {
    private final String label;
    private final Simulation sim;
    private final FairShareSolver solver;
    private final CollectiveEngine collectives;
    private final Resource[] compute;
    private final Device draftDevice;
    private final Device target;
    private final List<Resource> hostToDevice;
    private final List<Resource> deviceToHost;
    private final long hostLinkLatencyPicos;
    private final String where;
    private double busyDeviceSeconds;
    private double hostCoreSeconds;

    private RemoteDraft(String label, Simulation sim, FairShareSolver solver, CollectiveEngine collectives,
                        Resource compute, Device draftDevice, Device target, List<Resource> hostToDevice,
                        List<Resource> deviceToHost, long hostLinkLatencyPicos, String where) {
        this.label = label;
        this.sim = sim;
        this.solver = solver;
        this.collectives = collectives;
        this.compute = new Resource[] {compute};
        this.draftDevice = draftDevice;
        this.target = target;
        this.hostToDevice = hostToDevice;
        this.deviceToHost = deviceToHost;
        this.hostLinkLatencyPicos = hostLinkLatencyPicos;
        this.where = where;
    }

    /** The draft on accelerator {@code device}, talking to the target's first device {@code target} over the fabric. */
    static RemoteDraft onDevice(String label, Simulation sim, FairShareSolver solver, CollectiveEngine collectives,
                                Cluster cluster, Device device, Device target) {
        cluster.route(device, target); // fails early when unreachable
        cluster.route(target, device);
        return new RemoteDraft(label, sim, solver, collectives, device.compute(), device, target, null, null, 0,
                device.name() + " (" + device.profile().name() + ")");
    }

    /** The draft on host CPU socket {@code cpu} (a resource of cores), talking to {@code target} over its host link. */
    static RemoteDraft onHost(String label, Simulation sim, FairShareSolver solver, Cluster cluster, Resource cpu,
                              String where, Device target) {
        List<Resource> down = cluster.hostPath(target, false);
        List<Resource> up = cluster.hostPath(target, true);
        if (down == null || up == null) {
            throw new InfeasibleConfigurationException("node of " + target.name() + " has no host link and host memory for "
                    + "a draft model on its CPU", "use speculative.device: same or spare");
        }
        long latency = cluster.nodes().get(target.nodeIndex()).profile().hostLink().latencyPicos();
        return new RemoteDraft(label, sim, solver, null, cpu, null, target, down, up, latency, where);
    }

    /** Host time of the draft's step that overlaps the target's launches: none on a CPU, which runs it itself. */
    double hostSeconds(StepCost draft) {
        return draftDevice == null ? 0 : draft.hostSeconds();
    }

    /** Where the draft runs: a device or CPU socket name and its profile. */
    public String where() {
        return where;
    }

    /** Device-seconds of draft work run so far. */
    public double busyDeviceSeconds() {
        return busyDeviceSeconds;
    }

    /** CPU core-seconds of a draft on the host CPU so far (its passes on every core of the socket, then its dispatch); 0 on a device. */
    public double hostCoreSeconds() {
        return hostCoreSeconds;
    }

    /** Runs the draft's passes, then sends {@code bytes} of proposals to the target; {@code then} when they arrive. */
    void propose(StepCost draft, double bytes, Runnable then) {
        Runnable send = () -> send(bytes, true, then);
        if (draftDevice != null) {
            busyDeviceSeconds += draft.deviceSeconds();
            solver.start(new Activity(label, draft.deviceSeconds(), compute, Double.POSITIVE_INFINITY, a -> send.run()));
            return;
        }
        busyDeviceSeconds += draft.deviceSeconds() + draft.hostSeconds();
        double cores = compute[0].capacityPerSecond();
        hostCoreSeconds += draft.deviceSeconds() * cores + (draft.hostSeconds() > 0 ? draft.hostSeconds() : 0);
        Runnable dispatch = !(draft.hostSeconds() > 0) ? send : () -> solver.start(new Activity(label + " dispatch",
                draft.hostSeconds(), compute, 1, b -> send.run()));
        solver.start(new Activity(label, draft.deviceSeconds() * cores, compute, cores, a -> dispatch.run()));
    }

    /** Sends {@code bytes} of verified tokens back to the draft; {@code then} when they arrive. */
    void returnTokens(double bytes, Runnable then) {
        send(bytes, false, then);
    }

    private void send(double bytes, boolean toTarget, Runnable then) {
        if (draftDevice != null) {
            collectives.transfer(bytes, toTarget ? draftDevice : target, toTarget ? target : draftDevice, then);
            return;
        }
        Resource[] path = (toTarget ? hostToDevice : deviceToHost).toArray(new Resource[0]);
        solver.start(new Activity(label + (toTarget ? " proposals" : " tokens"), bytes, path, Double.POSITIVE_INFINITY,
                a -> sim.scheduleAt(sim.now() + hostLinkLatencyPicos, arg -> then.run(), 0)));
    }
}
