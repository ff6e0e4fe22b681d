package io.xpusim.experiment;

import io.xpusim.collective.CollectiveAlgorithm;
import io.xpusim.collective.CollectiveBenchmark;
import io.xpusim.collective.CollectiveEngine;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Simulation;
import io.xpusim.kernel.StopReason;
import io.xpusim.metrics.CollectiveRecord;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.scenario.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a collective microbenchmark: each message size on a fresh cluster (so sizes do not disturb each
 * other), timing the operation from its start to its last byte, as nccl-tests times one iteration.
 */
final class CollectiveRunner {
    static final String FIDELITY = "flows: each collective lowered to phases of flows on routes through the cluster's "
            + "resources, rates set by the max-min fair-share solver; alpha-beta latency per algorithm step, or the "
            + "link's measured collective curve where it has one";

    private CollectiveRunner() {
    }

    /** Runs every size; the trace and link chart cover the last size (the largest, by convention). */
    static RunResult run(Scenario s, RunLimits limits, boolean trace) {
        long wallStart = System.nanoTime();
        CollectiveBenchmark b = s.collective();
        List<CollectiveRecord> records = new ArrayList<>();
        long events = 0;
        double simulated = 0;
        StopReason stop = StopReason.DRAINED;
        FabricRecorder fabric = null;
        long lastEnd = 0;
        for (int index = 0; index < b.sizesBytes().size(); index++) {
            double size = b.sizesBytes().get(index);
            Simulation sim = new Simulation();
            FairShareSolver solver = new FairShareSolver(sim);
            Cluster cluster = Cluster.build(s.nodes(), s.scaleOut());
            if (index == b.sizesBytes().size() - 1 && (trace || s.outputs().charts())) {
                fabric = new FabricRecorder(cluster.linkResources(), trace);
                solver.setObserver(fabric);
            }
            CollectiveEngine engine = new CollectiveEngine(sim, solver, cluster);
            List<Device> group = b.members(cluster);
            long[] finishedAt = {-1};
            CollectiveAlgorithm used;
            if (b.op() == io.xpusim.collective.CollectiveOp.ALL_TO_ALL && b.skew() > 0) {
                engine.allToAll(group, b.allToAllMatrix(size), () -> finishedAt[0] = sim.now());
                used = CollectiveAlgorithm.DIRECT;
            } else {
                used = engine.run(b.op(), group, size, b.algorithm(), () -> finishedAt[0] = sim.now());
            }
            long wallLeft = limits.maxWallNanos() == Long.MAX_VALUE ? Long.MAX_VALUE
                    : limits.maxWallNanos() - (System.nanoTime() - wallStart);
            stop = wallLeft <= 0 ? StopReason.WALL_LIMIT : sim.run(Long.MAX_VALUE, limits.maxEvents() - events, wallLeft);
            events += sim.eventsProcessed();
            if (stop != StopReason.DRAINED || finishedAt[0] < 0) {
                break;
            }
            checkInvariants(s, cluster, engine, size);
            lastEnd = finishedAt[0];
            double seconds = finishedAt[0] / 1e12;
            simulated += seconds;
            double algbw = size / seconds;
            records.add(new CollectiveRecord(b.op().yamlName(), used.yamlName(), group.size(), size, seconds, algbw,
                    algbw * b.op().busBandwidthFactor(group.size())));
        }
        double wall = (System.nanoTime() - wallStart) / 1e9;
        LinkedHashMap<String, Object> summary = summary(s, records, stop, simulated, wall, events);
        ScenarioRunner.addTraceInfo(summary, fabric, trace);
        return new RunResult(s, null, records, trace && fabric != null ? fabric.slices() : null,
                fabric == null ? null : fabric.utilisation(lastEnd, ScenarioRunner.LINK_BINS, ScenarioRunner.LINK_ROWS),
                stop, summary);
    }

    private static void checkInvariants(Scenario s, Cluster cluster, CollectiveEngine engine, double size) {
        List<String> broken = new ArrayList<>();
        if (Math.abs(engine.bytesSent() - engine.bytesDelivered()) > 1e-6 * Math.max(1, engine.bytesSent())) {
            broken.add("bytes not conserved at " + size + " B: sent " + engine.bytesSent() + ", delivered " + engine.bytesDelivered());
        }
        for (Resource r : cluster.linkResources()) {
            if (r.peakRate() > r.capacityPerSecond() * (1 + 1e-9)) {
                broken.add("link " + r.name() + " ran above capacity");
            }
        }
        if (!broken.isEmpty()) {
            throw new InvariantViolation(String.join("; ", broken) + " — scenario " + s.file() + ", seed " + s.seed());
        }
    }

    private static LinkedHashMap<String, Object> summary(Scenario s, List<CollectiveRecord> records, StopReason stop,
                                                         double simulated, double wall, long events) {
        List<Object> rows = new ArrayList<>();
        for (CollectiveRecord r : records) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("op", r.op());
            row.put("algorithm", r.algorithm());
            row.put("ranks", (long) r.ranks());
            row.put("size_bytes", r.sizeBytes());
            row.put("time_s", r.timeSeconds());
            row.put("algbw_gb_per_s", r.algbwBytesPerSecond() / 1e9);
            row.put("busbw_gb_per_s", r.busbwBytesPerSecond() / 1e9);
            rows.add(row);
        }
        LinkedHashMap<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("collectives", rows);
        LinkedHashMap<String, Object> setup = new LinkedHashMap<>();
        setup.put("nodes", (long) s.nodes().stream().mapToInt(io.xpusim.hardware.Cluster.NodeGroup::count).sum());
        setup.put("devices", (long) s.deviceCount());
        setup.put("scale_out", s.scaleOut() == null ? "none" : String.format(Locale.ROOT, "%s, %d× %s per node, %.3g:1",
                s.scaleOut().topology().name().toLowerCase(Locale.ROOT).replace('_', '-'), s.scaleOut().nicsPerNode(),
                s.scaleOut().nic().name(), s.scaleOut().oversubscription()));
        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", ScenarioRunner.SUMMARY_SCHEMA);
        root.put("scenario", s.name());
        root.put("kind", "collective");
        root.put("seed", s.seed());
        root.put("fidelity", FIDELITY);
        root.put("complete", stop == StopReason.DRAINED);
        root.put("stop_reason", stop.name().toLowerCase(Locale.ROOT));
        root.put("simulated_time_s", simulated);
        root.put("wall_time_s", wall);
        root.put("events", events);
        root.put("metrics", metrics);
        root.put("setup", setup);
        return root;
    }
}
