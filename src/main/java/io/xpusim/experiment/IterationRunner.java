package io.xpusim.experiment;

import io.xpusim.hardware.Cluster;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.IterationPoint;
import io.xpusim.scenario.Scenario;
import io.xpusim.serving.IterationSweep;
import io.xpusim.serving.Replica;
import io.xpusim.serving.ServingSetup;
import io.xpusim.serving.ServingSimulator;
import io.xpusim.workload.RequestSource;
import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@code kind: iteration} scenario: for every node group and batch size, a fresh one-device cluster of that
 * node serves a burst of {@code batch} prompts with one output token each — exactly one prefill iteration — through
 * the full serving simulation, and the iteration's host launch time, device time and wall time are read back. Where
 * the host launch time falls below the device time the iteration turns from CPU-bound to GPU-bound.
 */
final class IterationRunner {
    static final String FIDELITY = "analytic-iteration: one prefill iteration per point, its kernels costed by roofline "
            + "and run as one activity on the device while the host thread launches them on its CPU socket";

    private IterationRunner() {
    }

    static RunResult run(Scenario s, RunLimits limits) {
        long wallStart = System.nanoTime();
        IterationSweep sweep = s.iteration();
        List<IterationPoint> points = new ArrayList<>();
        long events = 0;
        StopReason stop = StopReason.DRAINED;
        outer:
        for (int g = 0; g < s.nodes().size(); g++) {
            Cluster.NodeGroup group = s.nodes().get(g);
            for (int b : sweep.batchSizes()) {
                if (System.nanoTime() - wallStart > limits.maxWallNanos()) {
                    stop = StopReason.WALL_LIMIT;
                    break outer;
                }
                Cluster cluster = Cluster.build(List.of(new Cluster.NodeGroup(group.profile(), 1)));
                ServingSetup setup = new ServingSetup(cluster, s.model(), s.serving(), 1, s.router(), group.profile().cpu());
                ServingSimulator sim = new ServingSimulator(setup, burst(b, sweep.promptTokens()), 1_000_000_000_000L);
                StopReason r = sim.run(Math.max(1, limits.maxEvents() - events), Long.MAX_VALUE);
                events += sim.simulation().eventsProcessed();
                if (r != StopReason.DRAINED) {
                    stop = r;
                    break outer;
                }
                Replica rep = sim.replicas().get(0);
                if (sim.recorder().iterationCount() != 1) {
                    throw new InvariantViolation("a burst of " + b + " prompts took " + sim.recorder().iterationCount()
                            + " iterations instead of one — scenario " + s.file());
                }
                double iteration = sim.simulation().now() / 1e12;
                double serial = rep.hostBusyCoreSeconds() - rep.hostLaunchSeconds();
                points.add(new IterationPoint(g, group.profile().name(), b, (long) b * sweep.promptTokens(),
                        rep.hostLaunchSeconds(), rep.deviceSeconds(), serial, iteration));
            }
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        return new RunResult(s, null, null, null, null, stop, summary(s, points, stop, wall, events), null, points);
    }

    /** {@code batch} prompts at time 0, one output token each. */
    private static RequestSource burst(int batch, int promptTokens) {
        return new RequestSource() {
            private int next;

            @Override
            public RequestSpec next() {
                return next < batch ? new RequestSpec(next++, 0, promptTokens, 1, RequestSpec.NO_HASHES) : null;
            }
        };
    }

    /**
     * The batch at which the device time reaches the host launch time, interpolated linearly in log(batch) between
     * the last CPU-bound and the first GPU-bound point of a group; NaN when the group does not cross in the range.
     */
    static double crossover(List<IterationPoint> group) {
        for (int i = 1; i < group.size(); i++) {
            IterationPoint a = group.get(i - 1);
            IterationPoint b = group.get(i);
            if (a.cpuBound() && !b.cpuBound()) {
                double da = Math.log(a.deviceSeconds() / a.hostLaunchSeconds());
                double db = Math.log(b.deviceSeconds() / b.hostLaunchSeconds());
                double t = da == db ? 0 : -da / (db - da);
                return Math.exp(Math.log(a.batch()) + t * (Math.log(b.batch()) - Math.log(a.batch())));
            }
        }
        return Double.NaN;
    }

    private static LinkedHashMap<String, Object> summary(Scenario s, List<IterationPoint> points, StopReason stop,
                                                        double wall, long events) {
        List<Object> groups = new ArrayList<>();
        for (int g = 0; g < s.nodes().size(); g++) {
            final int gi = g;
            List<IterationPoint> mine = points.stream().filter(p -> p.group() == gi).toList();
            var node = s.nodes().get(g).profile();
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("node", node.name());
            row.put("device", node.device().name());
            row.put("host_cpu", node.cpu().name());
            row.put("single_thread_speed", node.cpu().singleThreadSpeed());
            row.put("crossover_batch", crossover(mine));
            List<Object> rows = new ArrayList<>();
            for (IterationPoint p : mine) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("batch", (long) p.batch());
                r.put("tokens", p.tokens());
                r.put("host_launch_s", p.hostLaunchSeconds());
                r.put("gpu_s", p.deviceSeconds());
                r.put("serial_host_s", p.serialSeconds());
                r.put("iteration_s", p.iterationSeconds());
                r.put("bound", p.cpuBound() ? "cpu" : "gpu");
                rows.add(r);
            }
            row.put("points", rows);
            groups.add(row);
        }
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("node_groups", groups);
        LinkedHashMap<String, Object> setup = new LinkedHashMap<>();
        setup.put("model", s.model().name());
        setup.put("prompt_tokens", (long) s.iteration().promptTokens());
        setup.put("cuda_graphs", s.serving().runtime().cudaGraphs());
        setup.put("kernel_fusion", s.serving().runtime().kernelFusion());
        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", ScenarioRunner.SUMMARY_SCHEMA);
        root.put("scenario", s.name());
        root.put("kind", "iteration");
        root.put("seed", s.seed());
        root.put("fidelity", FIDELITY);
        root.put("complete", stop == StopReason.DRAINED);
        root.put("stop_reason", stop.name().toLowerCase(java.util.Locale.ROOT));
        root.put("wall_time_s", wall);
        root.put("events", events);
        root.put("metrics", m);
        root.put("setup", setup);
        return root;
    }
}
