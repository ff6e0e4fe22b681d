package io.xpusim.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.report.JsonWriter;
import io.xpusim.scenario.Deployment;
import io.xpusim.scenario.PlanScenarios;
import io.xpusim.scenario.PlanSpec;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The capacity planner. It searches hardware type and count, tensor parallelism, scheduler, prefill/decode splits
 * and two-type mixes for the cheapest configuration (or the fewest devices) whose goodput — the highest rate
 * meeting the base's SLO — reaches the target load:
 * <ol>
 * <li><b>units</b>: one replica (or one prefill:decode pair) per node type × tp × scheduler is bound first, so
 *     memory that does not fit and tp that does not divide the heads are pruned before any simulation; each
 *     feasible unit's goodput is found by {@link GoodputSearch} (one simulation per probe, the base's seed);</li>
 * <li><b>candidates</b>: replicas of a unit, copies of a disaggregated pair, and mixes of two node types (one
 *     type on whole nodes) are costed, their goodput estimated as the sum of their units' — the cheap bound
 *     that lets hundreds of configurations be ranked from a few dozen searches;</li>
 * <li><b>verification</b>: the best estimates are simulated in full (their own goodput search) until
 *     {@code verify} of them are confirmed to meet the target; a disaggregated candidate of k independent copies
 *     is verified by its unit's search (each copy sees 1/k of the load).</li>
 * </ol>
 * Unit and verification results are stored under the output folder by hash, so a rerun or the shards
 * ({@code --shard i/N} splits the units) reuse them.
 */
public final class Planner {
    public static final String SCHEMA = "xpusim-plan/v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Told after each unit searched or candidate verified. */
    @FunctionalInterface
    public interface Progress {
        void update(String phase, int done, int total, int reused);
    }

    /** A unit: its deployment, why it was pruned (null if not), and its searched goodput (req/s). */
    public record Unit(Deployment deployment, String pruned, double goodput, String outcome) {
    }

    /** What a plan found: units, every candidate in rank order, and how many configurations were considered. */
    public record Result(List<Unit> units, List<PlanCandidate> candidates, long explored, long prunedConfigurations,
                         int simulatedUnits, int reusedUnits) {
    }

    private final PlanSpec spec;
    private final PlanScenarios scenarios;
    private final Scenario base;
    private final int threads;
    private final Path store;
    private int simulated;
    private int reused;

    public Planner(PlanSpec spec, PlanScenarios scenarios, int threads, Path dir) {
        this.spec = spec;
        this.scenarios = scenarios;
        this.base = scenarios.base();
        this.threads = threads;
        this.store = dir.resolve("units");
    }

    public Scenario base() {
        return base;
    }

    /** The units in a fixed order: node type, then tp, then scheduler, then (for splits) the split. */
    public List<Deployment> unitDeployments() {
        List<String> schedulers = spec.schedulers().isEmpty() ? List.of(base.serving().scheduler().policy())
                : spec.schedulers();
        List<Deployment> units = new ArrayList<>();
        // the base's pipeline stages and attention-dp are kept: every replica is attention-dp × tp × pp devices; so is
        // its expert layout: tensor-parallel experts (ep 1) or experts spread over all of a replica's devices
        int pp = base.serving().pp();
        int attentionDp = base.serving().attentionDp();
        boolean expertsSpread = base.serving().moe() != null && base.serving().moe().ep() > 1;
        for (PlanSpec.Hardware h : spec.hardware()) {
            for (int tp : spec.tps()) {
                int ep = expertsSpread ? attentionDp * tp : 1;
                for (String s : schedulers) {
                    units.add(new Deployment(List.of(new Deployment.Group(h.node(), 1, 1, tp, pp, attentionDp, ep)), s,
                            base.router(), 0, 0));
                }
            }
        }
        for (PlanSpec.Hardware h : spec.hardware()) {
            for (int tp : spec.tps()) {
                int ep = expertsSpread ? attentionDp * tp : 1;
                for (String s : schedulers) {
                    for (int[] split : spec.splits()) {
                        Deployment.Group pair = new Deployment.Group(h.node(), 1, split[0] + split[1], tp, pp, attentionDp, ep);
                        units.add(new Deployment(List.of(pair), s, base.router(), split[0], split[1]));
                    }
                }
            }
        }
        return units;
    }

    /** Searches the goodput of the shard's units (stored ones are reused); units of other shards are null. */
    public List<Unit> evaluateUnits(Shard shard, Progress progress) throws IOException, InterruptedException {
        List<Deployment> all = unitDeployments();
        Unit[] out = new Unit[all.size()];
        List<Integer> mine = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (shard.owns(i)) {
                mine.add(i);
            }
        }
        int[] done = {0};
        parallel(mine, i -> {
            out[i] = unit(all.get(i));
            synchronized (done) {
                done[0]++;
                if (progress != null) {
                    progress.update("units", done[0], mine.size(), reused);
                }
            }
        });
        List<Unit> list = new ArrayList<>();
        for (Unit u : out) {
            list.add(u);
        }
        return list;
    }

    private Unit unit(Deployment d) {
        double target = spec.targetLoadPerSecond();
        Scenario s;
        try {
            s = scenarios.scenario(d, target);
        } catch (ScenarioException e) {
            return new Unit(d, e.getMessage() + (e.hint() == null ? "" : " (" + e.hint() + ")"), 0, "pruned");
        }
        if (d.disaggregated() && d.devices() > node(d.groups().get(0).node()).profile().deviceCount()) {
            return new Unit(d, "the pair needs " + d.devices() + " devices, more than one node has", 0, "pruned");
        }
        if (ServingLayoutSummary.devicesUsed(s) != d.devices()) {
            // costs are per device: the plan counts the devices a run reports (both pools, tp × pp) or prices nothing
            return new Unit(d, "the base's layout uses " + ServingLayoutSummary.devicesUsed(s) + " devices per unit (e.g. "
                    + "spare devices for draft models), the plan counts " + d.devices(), 0, "pruned");
        }
        double min = GoodputSearch.round(target / 1000);
        double max = GoodputSearch.round(2 * target);
        double start = GoodputSearch.round(target / 8);
        try {
            GoodputSearch.Result r = stored(s, "unit", start, min, max, rate -> scenarios.scenario(d, rate));
            return new Unit(d, null, r.goodput(), r.outcome());
        } catch (UncheckedIOException e) {
            throw e;
        } catch (RuntimeException e) {
            RunError err = RunError.of(e);
            if (err.internal()) {
                throw e;
            }
            return new Unit(d, err.message(), 0, "pruned");
        }
    }

    /** A goodput search, or its stored result (key: the scenario's hash and the search's bounds). */
    private GoodputSearch.Result stored(Scenario at, String what, double start, double min, double max,
                                        Function<Double, Scenario> scenarioAt) {
        String key = sha256(ScenarioHash.of(at) + "|" + what + "|" + start + "|" + min + "|" + max + "|" + spec.tolerance());
        Path file = store.resolve(key.substring(0, PointStore.NAME_CHARS) + ".json");
        try {
            if (Files.isRegularFile(file)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = JSON.readValue(file.toFile(), LinkedHashMap.class);
                synchronized (this) {
                    reused++;
                }
                return new GoodputSearch.Result(((Number) m.get("goodput_requests_per_s")).doubleValue(), List.of(),
                        (String) m.get("outcome"));
            }
            GoodputSearch.Result r = GoodputSearch.search(rate -> {
                long t0 = System.nanoTime();
                RunResult run = ScenarioRunner.simulateForSummary(scenarioAt.apply(rate));
                return GoodputRunner.judge(rate, run.summary(), (System.nanoTime() - t0) / 1e9);
            }, start, min, max, spec.tolerance(), p -> { });
            synchronized (this) {
                simulated++;
            }
            LinkedHashMap<String, Object> m = new LinkedHashMap<>();
            m.put("goodput_requests_per_s", r.goodput());
            m.put("outcome", r.outcome());
            m.put("probes", (long) r.probes().size());
            Files.createDirectories(store);
            Path temp = Files.createTempFile(store, "." + file.getFileName(), ".partial");
            JsonWriter.write(temp, m);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every candidate built from the units (all of them searched), ranked, the best verified. */
    public Result plan(List<Unit> units, Progress progress) throws IOException, InterruptedException {
        List<PlanCandidate> cands = new ArrayList<>();
        long[] counts = {0, 0}; // explored, pruned
        for (Unit u : units) {
            homogeneous(u, cands, counts);
        }
        if (spec.mixes()) {
            for (Unit a : units) {
                for (Unit b : units) {
                    mixes(a, b, cands, counts);
                }
            }
        }
        Comparator<PlanCandidate> order = spec.costObjective()
                ? Comparator.comparingDouble(PlanCandidate::costPerHourUsd).thenComparingInt(PlanCandidate::devices)
                : Comparator.comparingInt(PlanCandidate::devices).thenComparingDouble(PlanCandidate::costPerHourUsd);
        order = order.thenComparing(Comparator.comparingDouble(PlanCandidate::estimatedGoodput).reversed())
                .thenComparing(c -> c.deployment().label());
        cands.sort(order);
        verify(cands, progress);
        List<PlanCandidate> ranked = new ArrayList<>(cands);
        ranked.sort(Comparator.comparingInt(this::statusRank).thenComparing(order));
        for (Unit u : units) {
            if (u.pruned() != null) {
                ranked.add(new PlanCandidate(u.deployment(), 1, u.deployment().devices(), Double.NaN, Double.NaN, Double.NaN,
                        "pruned: " + u.pruned()));
            }
        }
        return new Result(units, ranked, counts[0], counts[1], simulated, reused);
    }

    /** Verified and meeting first, then estimates meeting the target, then the rest. */
    private int statusRank(PlanCandidate c) {
        if (c.status().equals("verified")) {
            return 0;
        }
        return c.status().equals("estimated") && c.estimatedGoodput() >= spec.targetLoadPerSecond() ? 1 : 2;
    }

    private void homogeneous(Unit u, List<PlanCandidate> out, long[] counts) {
        Deployment d = u.deployment();
        Deployment.Group g = d.groups().get(0);
        PlanSpec.Hardware h = node(g.node());
        int perNode = d.disaggregated() ? Math.max(1, h.profile().deviceCount() / d.devices())
                : Math.max(1, h.profile().deviceCount() / g.devicesPerReplica());
        int maxCopies = Math.min(spec.maxDevices() / Math.max(1, d.devices()), h.maxNodes() * perNode);
        for (int k = 1; k <= maxCopies; k++) {
            counts[0]++;
            if (u.pruned() != null) {
                counts[1]++;
                continue;
            }
            int nodes = (k + perNode - 1) / perNode;
            Deployment scaled = d.disaggregated()
                    ? new Deployment(List.of(g.scaled(g.node(), nodes, k * g.replicas())), d.scheduler(),
                    d.router(), k * d.prefill(), k * d.decode())
                    : new Deployment(List.of(g.scaled(g.node(), nodes, k)), d.scheduler(),
                    k > 1 ? "least-outstanding" : d.router(), 0, 0);
            int devices = k * d.devices();
            out.add(new PlanCandidate(scaled, nodes, devices, devices * h.pricePerDeviceHour(), k * u.goodput(), Double.NaN,
                    "estimated"));
            if (k * u.goodput() >= spec.targetLoadPerSecond() * 1.5) {
                break; // more of the same only costs more
            }
        }
    }

    /** Type a on whole nodes (so the groups meet at a node boundary) plus as few replicas of type b as reach the target. */
    private void mixes(Unit a, Unit b, List<PlanCandidate> out, long[] counts) {
        Deployment da = a.deployment();
        Deployment db = b.deployment();
        Deployment.Group ga = da.groups().get(0);
        Deployment.Group gb = db.groups().get(0);
        // replica groups are { replicas, tp, pp }: a mixture-of-experts layout (attention-dp, ep) has no mix
        if (da.disaggregated() || db.disaggregated() || ga.node().equals(gb.node()) || !da.scheduler().equals(db.scheduler())
                || ga.attentionDp() > 1 || ga.ep() > 1) {
            return;
        }
        PlanSpec.Hardware ha = node(ga.node());
        PlanSpec.Hardware hb = node(gb.node());
        int perNodeA = Math.max(1, ha.profile().deviceCount() / ga.devicesPerReplica());
        int perNodeB = Math.max(1, hb.profile().deviceCount() / gb.devicesPerReplica());
        double target = spec.targetLoadPerSecond();
        for (int na = 1; na <= ha.maxNodes(); na++) {
            int ra = na * perNodeA;
            if (ra * ga.devicesPerReplica() > spec.maxDevices()) {
                break;
            }
            counts[0]++;
            if (a.pruned() != null || b.pruned() != null) {
                counts[1]++;
                continue;
            }
            double rest = target - ra * a.goodput();
            if (rest <= 0) {
                break; // type a alone reaches the target: no mix needed
            }
            int rb = (int) Math.ceil(rest / b.goodput() - 1e-9);
            int nb = (rb + perNodeB - 1) / perNodeB;
            int devices = ra * ga.devicesPerReplica() + rb * gb.devicesPerReplica();
            if (b.goodput() <= 0 || nb > hb.maxNodes() || devices > spec.maxDevices()) {
                continue;
            }
            Deployment mix = new Deployment(List.of(ga.scaled(ga.node(), na, ra),
                    gb.scaled(gb.node(), nb, rb)), da.scheduler(), "least-outstanding", 0, 0);
            out.add(new PlanCandidate(mix, na + nb, devices, ra * ga.devicesPerReplica() * ha.pricePerDeviceHour()
                    + rb * gb.devicesPerReplica() * hb.pricePerDeviceHour(), ra * a.goodput() + rb * b.goodput(), Double.NaN, "estimated"));
        }
    }

    /** Simulates the best estimates meeting the target until {@code verify} are confirmed (at most 3 × verify tries). */
    private void verify(List<PlanCandidate> ranked, Progress progress) throws IOException, InterruptedException {
        double target = spec.targetLoadPerSecond();
        int confirmed = 0;
        int tried = 0;
        for (int i = 0; i < ranked.size() && confirmed < spec.verify() && tried < 3 * spec.verify(); ) {
            List<Integer> batch = new ArrayList<>();
            for (int j = i; j < ranked.size() && batch.size() < Math.max(1, Math.min(threads, spec.verify() - confirmed)); j++) {
                i = j + 1;
                if (ranked.get(j).estimatedGoodput() >= target) {
                    batch.add(j);
                }
            }
            if (batch.isEmpty()) {
                break;
            }
            parallel(batch, j -> {
                PlanCandidate c = ranked.get(j);
                PlanCandidate v = c.verified(verifiedGoodput(c), target);
                synchronized (ranked) {
                    ranked.set(j, v);
                }
            });
            for (int j : batch) {
                tried++;
                confirmed += ranked.get(j).status().equals("verified") ? 1 : 0;
            }
            if (progress != null) {
                progress.update("verify", confirmed, spec.verify(), 0);
            }
        }
    }

    private double verifiedGoodput(PlanCandidate c) {
        Deployment d = c.deployment();
        double target = spec.targetLoadPerSecond();
        if (d.disaggregated()) {
            return c.estimatedGoodput(); // k independent copies of the searched pair, each at 1/k of the load
        }
        double start = GoodputSearch.round(target);
        double min = GoodputSearch.round(target / 4);
        double max = GoodputSearch.round(4 * target);
        return stored(scenarios.scenario(d, target), "verify", start, min, max, rate -> scenarios.scenario(d, rate)).goodput();
    }

    private PlanSpec.Hardware node(String name) {
        return spec.hardware().stream().filter(h -> h.node().equals(name)).findFirst().orElseThrow();
    }

    private void parallel(List<Integer> items, java.util.function.IntConsumer task) throws InterruptedException, IOException {
        WorkerPool.run(threads, "plan-worker", items.size(), k -> task.accept(items.get(k)));
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
