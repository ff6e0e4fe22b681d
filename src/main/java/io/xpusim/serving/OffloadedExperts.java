package io.xpusim.serving;

import io.xpusim.collective.TierTransfers;
import io.xpusim.compute.CostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.MemoryUnit;
import io.xpusim.hardware.Route;
import io.xpusim.kernel.Join;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.ExpertCacheStats;
import io.xpusim.metrics.ExpertCacheStats.Outcome;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.OpKind;
import io.xpusim.model.Operator;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * The MoE layers of one replica's iterations when its routed experts are offloaded ({@link ExpertOffload}). Unlike the
 * resident execution, which lumps all layers into one activity, each MoE layer runs in turn on the replica's devices:
 *
 * <ol>
 *   <li>its dense share (attention, router, shared experts: the iteration's dense time / MoE layers);</li>
 *   <li>at the routing point every expert the layer's tokens chose is looked up: a cache hit computes at once; an
 *   expert already on its way (a correct prefetch) is waited for; a miss is either fetched on demand from the tier
 *   or, with CPU compute, run by the host CPU when {@link #cpuPathSeconds} is below {@link #gpuPathSeconds}. Then the
 *   next layer's experts are predicted and prefetched;</li>
 *   <li>the GPU computes the cached experts, then each fetched one as it lands (dequantising it first when it came at
 *   a lower precision), while the CPU computes its share; the layer ends when both are done.</li>
 * </ol>
 *
 * <p>Fetches are flows over the cluster ({@link TierTransfers}: tier media, the device's host link, contending with
 * all other traffic), one at a time per replica in issue order, as copies queued on one CUDA stream. A fetched expert
 * enters the cache when it is used (evicting by the cache's policy); a wrongly predicted one is dropped. The cache
 * starts filled with each layer's most popular experts (the router's expected load), so there are no cold misses.
 * A layer's stall is its time beyond its all-resident time (dense share + every chosen expert on the GPU).
 */
final class OffloadedExperts {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final TierTransfers transfers;
    private final List<Device> devices;
    private final Resource[] compute;
    private final ExpertOffload config;
    private final ExpertExecution experts;
    private final CostModel gpuCosts;
    private final ForwardPass pass;
    private final CostModel cpuCosts;
    private final ForwardPass cpuPass;
    private final RandomGenerator rng;
    private final ExpertCacheStats stats = new ExpertCacheStats();
    private final int layers;
    private final int expertCount;
    private final int topK;
    private final ExpertCache[] caches;
    /** Bytes of one expert each device fetches (its 1/tp slice at the tier's precision). */
    private final double fetchBytesPerDevice;
    private final double fetchSecondsUncontended;
    private final double dequantSeconds;
    private final double activationBytesPerToken;
    private final double hostLinkSeconds;
    private final double hostLinkBytesPerSecond;
    private final double cpuExpertBytes;
    private final Resource cpuMemory;

    /** One expert copy from the tier, queued behind the replica's earlier ones. */
    private static final class Fetch {
        final int key;
        final long seq;
        boolean landed;
        Runnable waiter;

        Fetch(int key, long seq) {
            this.key = key;
            this.seq = seq;
        }
    }

    private final ArrayDeque<Fetch> queue = new ArrayDeque<>();
    private boolean fetching;
    private long fetchSeq;
    /** This iteration's correct prefetches not yet used, by key. */
    private final Map<Integer, Fetch> inFlight = new HashMap<>();
    private double[][] counts;
    private double denseShareSeconds;
    private Runnable done;

    OffloadedExperts(Simulation sim, FairShareSolver solver, TierTransfers transfers, Cluster cluster, List<Device> devices,
                     ExpertOffload config, ModelSpec model, Precision weights, ExpertExecution experts, CostModel gpuCosts,
                     ForwardPass pass, CostModel cpuCosts, ForwardPass cpuPass, double[][] expectedLoad,
                     RandomGenerator rng) {
        this.sim = sim;
        this.solver = solver;
        this.transfers = transfers;
        this.devices = devices;
        this.compute = devices.stream().map(Device::compute).toArray(Resource[]::new);
        this.config = config;
        this.experts = experts;
        this.gpuCosts = gpuCosts;
        this.pass = pass;
        this.cpuCosts = cpuCosts;
        this.cpuPass = cpuPass;
        this.rng = rng;
        this.layers = model.moeLayers();
        this.expertCount = model.moe().experts();
        this.topK = model.moe().topK();
        int tp = devices.size();
        this.fetchBytesPerDevice = config.tierExpertBytes(model, weights) / tp;
        Device d = devices.get(0);
        double fetchBw = tierBytesPerSecond(cluster, d, config.tier());
        this.fetchSecondsUncontended = fetchBytesPerDevice / fetchBw
                + cluster.tierPath(d, cluster.unitsFor(d, config.tier()).get(0), false).latencyPicos() / 1e12;
        double fullBytes = model.expertParameters() * weights.bytesPerElement() / tp;
        this.dequantSeconds = config.dequantises(weights) ? gpuCosts.seconds(new Operator("expert-dequant",
                OpKind.ELEMENTWISE, model.expertParameters() / tp, fetchBytesPerDevice + fullBytes, 0, 1)) : 0;
        this.activationBytesPerToken = model.hiddenSize() * pass.activations().bytesPerElement();
        MemoryUnit socket = cluster.unitsFor(d, io.xpusim.hardware.TierSpec.HOST).get(0);
        Route toSocket = cluster.tierPath(d, socket, true);
        this.hostLinkBytesPerSecond = minCapacity(toSocket.hops());
        this.hostLinkSeconds = toSocket.latencyPicos() / 1e12;
        this.cpuExpertBytes = model.expertParameters() * weights.bytesPerElement();
        this.cpuMemory = socket.read();
        this.caches = new ExpertCache[config.cachePerLayer() >= 0 ? layers : 1];
        for (int i = 0; i < caches.length; i++) {
            caches[i] = ExpertCaches.create(config.cachePolicy(), config.cachePerLayer() >= 0 ? config.cachePerLayer()
                    : config.cacheTotal());
        }
        warm(expectedLoad);
    }

    ExpertCacheStats stats() {
        return stats;
    }

    /** Fills the cache with the most popular experts: per layer for per-layer caches, over all layers for one cache. */
    private void warm(double[][] load) {
        List<int[]> order = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int e = 0; e < expertCount; e++) {
                order.add(new int[] {l, e});
            }
        }
        order.sort((a, b) -> {
            int c = Double.compare(load[b[0]][b[1]], load[a[0]][a[1]]);
            return c != 0 ? c : a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
        });
        for (int[] le : order) {
            cacheOf(le[0]).preload(key(le[0], le[1]));
        }
    }

    /** Runs the MoE layers of an iteration whose non-expert work takes {@code denseSeconds}; then calls {@code then}. */
    void run(double denseSeconds, double[][] layerCounts, Runnable then) {
        this.counts = layerCounts;
        this.denseShareSeconds = denseSeconds / layers;
        this.done = then;
        inFlight.clear();
        startLayer(0);
    }

    private void startLayer(int l) {
        long start = sim.now();
        gpu(denseShareSeconds, () -> routed(l, start));
    }

    private void routed(int l, long start) {
        double[] rows = counts[l];
        ExpertCache cache = cacheOf(l);
        double total = 0;
        double hitSeconds = 0;
        double ideal = denseShareSeconds;
        List<Fetch> waits = new ArrayList<>();
        List<Double> waitRows = new ArrayList<>();
        double cpuRows = 0;
        double cpuSeconds = 0;
        int cpuExperts = 0;
        for (int e = 0; e < expertCount; e++) {
            double n = rows[e];
            if (n <= 0) {
                continue;
            }
            total += n;
            double gpuSeconds = experts.expertSeconds(n);
            ideal += gpuSeconds;
            int key = key(l, e);
            Fetch f = inFlight.remove(key);
            if (cache.contains(key)) {
                cache.access(key);
                stats.access(Outcome.HIT);
                hitSeconds += gpuSeconds;
            } else if (f != null) {
                stats.access(Outcome.PREFETCHED);
                waits.add(f);
            } else if (onCpu(n)) {
                stats.access(Outcome.CPU);
                cpuRows += n;
                cpuSeconds += cpuSeconds(n);
                cpuExperts++;
            } else {
                stats.access(Outcome.FETCHED);
                waits.add(enqueue(key));
            }
        }
        double permute = gpuCosts.seconds(pass.expertPermute(total));
        ideal += permute;
        if (config.prefetch() && l + 1 < layers) {
            prefetch(l + 1);
        }
        waits.sort((a, b) -> Long.compare(a.seq, b.seq));
        for (Fetch f : waits) {
            waitRows.add(rows[f.key % expertCount]);
        }
        double idealSeconds = ideal;
        Join layerDone = new Join(cpuExperts > 0 ? 2 : 1, () -> {
            stats.stall(Math.max(0, (sim.now() - start) / 1e12 - idealSeconds));
            if (l + 1 < layers) {
                startLayer(l + 1);
            } else {
                done.run();
            }
        });
        gpu(hitSeconds + permute, () -> computeFetched(cache, waits, waitRows, 0, layerDone));
        if (cpuExperts > 0) {
            onHostCpu(cpuRows, cpuExperts, cpuSeconds, layerDone);
        }
    }

    /** The GPU computes each fetched expert in landing order, each once it has landed and the previous one is done. */
    private void computeFetched(ExpertCache cache, List<Fetch> waits, List<Double> rows, int i, Join layerDone) {
        if (i == waits.size()) {
            layerDone.arrive();
            return;
        }
        Fetch f = waits.get(i);
        Runnable compute = () -> {
            cache.access(f.key);
            stats.dequant(dequantSeconds);
            gpu(dequantSeconds + experts.expertSeconds(rows.get(i)), () -> computeFetched(cache, waits, rows, i + 1,
                    layerDone));
        };
        if (f.landed) {
            compute.run();
        } else {
            f.waiter = compute;
        }
    }

    /**
     * Predicts layer {@code l}'s experts: of its chosen experts not cached and not bound for the CPU (at most top-k, the
     * most loaded first), each
     * is named correctly with probability {@code accuracy}, else a uniformly drawn expert the layer does not use is
     * fetched instead (wasted bandwidth).
     */
    private void prefetch(int l) {
        ExpertCache cache = cacheOf(l);
        double[] rows = counts[l];
        List<Integer> needed = new ArrayList<>();
        for (int e = 0; e < expertCount; e++) {
            // a miss the CPU will compute needs no copy: only experts that would go to the GPU are prefetched
            if (rows[e] > 0 && !cache.contains(key(l, e)) && !onCpu(rows[e])) {
                needed.add(e);
            }
        }
        needed.sort((a, b) -> rows[a] != rows[b] ? Double.compare(rows[b], rows[a]) : Integer.compare(a, b));
        Set<Integer> named = new HashSet<>();
        for (int e : needed.subList(0, Math.min(topK, needed.size()))) {
            if (rng.nextDouble() < config.prefetchAccuracy()) {
                inFlight.put(key(l, e), enqueue(key(l, e)));
                stats.prefetch(false);
                continue;
            }
            List<Integer> wrong = new ArrayList<>();
            for (int w = 0; w < expertCount; w++) {
                if (rows[w] <= 0 && !cache.contains(key(l, w)) && !named.contains(w)) {
                    wrong.add(w);
                }
            }
            if (!wrong.isEmpty()) {
                int w = wrong.get(rng.nextInt(wrong.size()));
                named.add(w);
                enqueue(key(l, w));
                stats.prefetch(true);
            }
        }
    }

    private Fetch enqueue(int key) {
        Fetch f = new Fetch(key, fetchSeq++);
        queue.addLast(f);
        if (!fetching) {
            nextFetch();
        }
        return f;
    }

    private void nextFetch() {
        Fetch f = queue.pollFirst();
        if (f == null) {
            fetching = false;
            return;
        }
        fetching = true;
        Join landed = new Join(devices.size(), () -> {
            f.landed = true;
            stats.tierRead(fetchBytesPerDevice * devices.size());
            nextFetch();
            if (f.waiter != null) {
                f.waiter.run();
            }
        });
        for (Device d : devices) {
            transfers.device(d, config.tier(), fetchBytesPerDevice, false, landed::arrive);
        }
    }

    /** The host CPU runs the layer's CPU experts one after another: activations over, compute from DRAM, back. */
    private void onHostCpu(double rows, int expertsOnCpu, double seconds, Join layerDone) {
        Device d = devices.get(0);
        double act = rows * activationBytesPerToken;
        double bytes = expertsOnCpu * cpuExpertBytes;
        stats.cpu(seconds);
        transfers.device(d, io.xpusim.hardware.TierSpec.HOST, act, true, () -> solver.start(new Activity("cpu experts",
                bytes, new Resource[] {cpuMemory}, bytes / seconds, a -> transfers.device(d,
                io.xpusim.hardware.TierSpec.HOST, act, false, layerDone::arrive))));
    }

    /** Moving a missed expert and computing it on the GPU: fetch (uncontended), dequantisation, its GEMMs. */
    double gpuPathSeconds(double rows) {
        return fetchSecondsUncontended + dequantSeconds + experts.expertSeconds(rows);
    }

    /** Computing it on the host CPU instead: its FLOPs and bytes on the CPU's roofline, activations there and back. */
    double cpuPathSeconds(double rows) {
        return cpuSeconds(rows) + 2 * (rows * activationBytesPerToken / hostLinkBytesPerSecond + hostLinkSeconds);
    }

    /** Fiddler's rule, per missed expert of each layer: the CPU computes it exactly when that costs less. */
    boolean onCpu(double rows) {
        return config.cpuCompute() && cpuPathSeconds(rows) < gpuPathSeconds(rows);
    }

    private double cpuSeconds(double rows) {
        return cpuCosts.seconds(cpuPass.expertSlot(rows, 1));
    }

    private void gpu(double seconds, Runnable then) {
        if (seconds <= 0) {
            then.run();
            return;
        }
        solver.start(new Activity("experts", seconds, compute, Double.POSITIVE_INFINITY, a -> then.run()));
    }

    private ExpertCache cacheOf(int layer) {
        return caches.length == 1 ? caches[0] : caches[layer];
    }

    private int key(int layer, int expert) {
        return layer * expertCount + expert;
    }

    /**
     * Uncontended bandwidth from the tier to one device: its data is interleaved over the tier's units nearest it, so
     * their paths add up, except the links every path shares (the device's host link), which cap the sum.
     */
    private static double tierBytesPerSecond(Cluster cluster, Device d, String tier) {
        List<MemoryUnit> units = cluster.unitsFor(d, tier);
        Map<Resource, Integer> seen = new java.util.IdentityHashMap<>();
        List<List<Resource>> paths = new ArrayList<>();
        for (MemoryUnit u : units) {
            List<Resource> hops = cluster.tierPath(d, u, false).hops();
            paths.add(hops);
            for (Resource r : hops) {
                seen.merge(r, 1, Integer::sum);
            }
        }
        double shared = Double.POSITIVE_INFINITY;
        double parallel = 0;
        for (List<Resource> hops : paths) {
            double own = Double.POSITIVE_INFINITY;
            for (Resource r : hops) {
                if (seen.get(r) == units.size() && units.size() > 1) {
                    shared = Math.min(shared, r.capacityPerSecond());
                } else {
                    own = Math.min(own, r.capacityPerSecond());
                }
            }
            parallel += own;
        }
        return Math.min(shared, parallel);
    }

    private static double minCapacity(List<Resource> hops) {
        double m = Double.POSITIVE_INFINITY;
        for (Resource r : hops) {
            m = Math.min(m, r.capacityPerSecond());
        }
        return m;
    }
}
