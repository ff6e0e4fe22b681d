package io.xpusim.scenario;

import io.xpusim.compute.MeasuredCostTable;
import io.xpusim.collective.CollectiveAlgorithm;
import io.xpusim.collective.CollectiveBenchmark;
import io.xpusim.collective.CollectiveOp;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.LinkProfile;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.hardware.ScaleOutTopology;
import io.xpusim.units.DataSize;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.ScaleUpTopology;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.BatchScheduler;
import io.xpusim.serving.BatchSchedulers;
import io.xpusim.serving.Disaggregation;
import io.xpusim.serving.ReplicaGroup;
import io.xpusim.serving.Speculation;
import io.xpusim.serving.InfeasibleConfigurationException;
import io.xpusim.serving.KvOffload;
import io.xpusim.serving.OffloadConfig;
import io.xpusim.serving.MemoryPlan;
import io.xpusim.serving.MoeServing;
import io.xpusim.serving.Routers;
import io.xpusim.serving.RuntimeConfig;
import io.xpusim.serving.RuntimePresets;
import io.xpusim.serving.AdmissionOrder;
import io.xpusim.serving.SchedulerConfig;
import io.xpusim.serving.ServingConfig;
import io.xpusim.training.TrainingSpec;
import io.xpusim.units.Frequency;
import io.xpusim.units.Precision;
import io.xpusim.units.TimeSpan;
import io.xpusim.workload.ArrivalSpec;
import io.xpusim.workload.LengthSpec;
import io.xpusim.workload.TraceOptions;
import io.xpusim.workload.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a scenario file into a checked {@link Scenario}: strict schema, references resolved against the
 * {@link ProfileLibrary}, units parsed, and the combination checked in the user's terms (tensor
 * parallelism dividing heads, the model fitting in memory, enough devices). Every failure is a
 * {@link ScenarioException} pointing at the line to fix.
 */
public final class ScenarioLoader {
    public static final String SCHEMA = "xpusim/v1";

    private ScenarioLoader() {
    }

    public static Scenario load(Path file, List<String> overrides) {
        String display = file.toString();
        YamlNode root = YamlReader.readFile(file, display);
        Overrides.apply(root, overrides);
        ProfileLibrary library = ProfileLibrary.forScenario(file);
        return bind(root, file, library);
    }

    /**
     * Where the key at {@code dottedPath} (e.g. {@code workload.trace}) is written, after the overrides; the
     * deepest key on the path that exists, or the file's start. For commands that refuse a valid scenario.
     */
    public static Location locate(Path file, List<String> overrides, String dottedPath) {
        YamlNode root = YamlReader.readFile(file, file.toString());
        Overrides.apply(root, overrides);
        Location at = new Location(file.toString(), 1, 1);
        YamlNode node = root;
        for (String key : dottedPath.split("\\.")) {
            if (!(node instanceof YamlNode.Mapping m) || m.get(key) == null) {
                break;
            }
            at = m.keyLocations().getOrDefault(key, at);
            node = m.get(key);
        }
        return at;
    }

    static Scenario bind(YamlNode root, Path file, ProfileLibrary library) {
        Fields f = Fields.of(root, "");
        String schema = f.string("schema");
        if (!schema.equals(SCHEMA)) {
            throw new ScenarioException(f.locationOf("schema"), "unsupported schema '" + schema + "'", "write schema: " + SCHEMA);
        }
        String name = f.string("name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new ScenarioException(f.locationOf("name"), "scenario name '" + name + "' is not usable as a folder name",
                    "use letters, digits, '.', '_' and '-'");
        }
        String description = f.string("description", "");
        long seed = f.integer("seed", 0, Long.MAX_VALUE);
        ScenarioKind kind = ScenarioKind.valueOf(f.choice("kind", List.of("serving", "collective", "training", "iteration"), "serving")
                .toUpperCase(java.util.Locale.ROOT));

        Fields c = f.object("cluster");
        List<Cluster.NodeGroup> groups = cluster(c, library);
        ScaleOutSpec scaleOut = scaleOut(c, groups, library);
        c.finish();
        if (kind == ScenarioKind.COLLECTIVE) {
            CollectiveBenchmark bench = collective(f.object("collective"), groups, scaleOut, c);
            OutputSpec outputs = outputs(f);
            f.finish();
            return new Scenario(name, description, seed, file, kind, groups, scaleOut, null, null, null, 0, null,
                    Slo.NONE, bench, null, outputs, f.resolved());
        }
        Resolved<ModelSpec> model = library.model(f.node("model"), "model");
        f.putResolved("model", model.yaml());
        if (kind == ScenarioKind.TRAINING) {
            Fields t = f.object("training");
            TrainingSpec training = TrainingLoader.training(t, f, model.value(), groups, scaleOut);
            OutputSpec outputs = outputs(f);
            f.finish();
            return new Scenario(name, description, seed, file, kind, groups, scaleOut, model.value(), null, null, 0, null,
                    Slo.NONE, null, training, outputs, f.resolved());
        }
        if (kind == ScenarioKind.ITERATION) {
            return IterationLoader.bind(f, name, description, seed, file, groups, scaleOut, model.value());
        }
        Fields w = f.object("workload");
        WorkloadSpec workload = workload(w, file);
        Fields s = f.object("strategy");
        List<ReplicaGroup> replicaGroups = replicaGroups(s);
        int replicas = s.intValue("replicas", 1, 1, 1 << 20);
        String router = s.choice("router", Routers.names(), Routers.DEFAULT);
        ServingConfig serving = strategy(s, model.value(), file, seed, groups);
        if (!replicaGroups.isEmpty()) {
            replicas = replicaGroups.stream().mapToInt(ReplicaGroup::replicas).sum();
            serving = serving.withParallelism(replicaGroups.get(0).tp(), replicaGroups.get(0).pp());
        }
        Disaggregation disagg = ServingLayouts.disaggregation(s, serving, model.value());
        if (model.value().isMoe() && s.has("speculative")) {
            throw new ScenarioException(s.locationOf("speculative"), "speculative decoding of a mixture-of-experts model "
                    + "is not supported yet", "remove strategy.speculative");
        }
        if (model.value().isMoe() && !replicaGroups.isEmpty()) {
            throw new ScenarioException(s.locationOf("replica-groups"), "replica groups with a mixture-of-experts model "
                    + "are not supported yet", "use replicas with strategy.parallelism");
        }
        if (s.has("speculative") && !replicaGroups.isEmpty()) {
            throw new ScenarioException(s.locationOf("speculative"), "speculative decoding with replica groups is not "
                    + "supported yet", "remove strategy.speculative or strategy.replica-groups");
        }
        if (disagg != null && !disagg.sameGpu() && !replicaGroups.isEmpty()) {
            throw new ScenarioException(s.locationOf("replica-groups"), "'strategy.replica-groups' and disaggregation "
                    + "pools are mutually exclusive", "list each pool's groups under strategy.disaggregation, e.g. "
                    + "prefill: [ { replicas: 1, tp: 8 } ], decode: [ { replicas: 2, tp: 4 } ]");
        }
        if (s.has("speculative")) {
            serving = serving.withSpeculation(speculative(s, library, seed, serving, disagg));
        }
        if (serving.offload().any() && (model.value().isMoe() || model.value().mla() != null)) {
            throw new ScenarioException(s.locationOf("offload"), "offloading " + (model.value().isMoe()
                    ? "a mixture-of-experts" : "a latent-attention") + " model ('" + model.value().name()
                    + "') is not supported yet: streamed weights and host attention are modelled for dense layers only",
                    "remove strategy.offload, or spread the experts over more devices with strategy.parallelism.ep");
        }
        if (serving.offload().any() && (disagg != null || !replicaGroups.isEmpty() || serving.speculation() != null)) {
            throw new ScenarioException(s.locationOf("offload"), "offloading with " + (disagg != null ? "disaggregation"
                    : !replicaGroups.isEmpty() ? "replica groups" : "speculative decoding") + " is not supported yet",
                    "remove strategy.offload or that option");
        }
        s.finish();
        Slo slo = slo(f);
        OutputSpec outputs = outputs(f);
        f.finish();

        if (replicaGroups.isEmpty()) {
            checkCombination(f, s, groups, model.value(), serving, replicas, disagg, scaleOut != null);
        } else {
            checkDisaggregationPolicy(s, serving, disagg);
            ServingLayouts.walk(s, s.locationOf("replica-groups"), groups, scaleOut != null, model.value(), serving,
                    ServingLayouts.items(replicaGroups, "group"), "replica groups need");
        }
        return new Scenario(name, description, seed, file, kind, groups, scaleOut, model.value(), workload, serving,
                replicas, router, slo, null, null, outputs, f.resolved(), disagg, replicaGroups);
    }

    /**
     * strategy.replica-groups: [ { replicas, tp, pp }, ... ], an alternative to replicas + parallelism (empty when
     * absent). Groups take the cluster's devices in order across its node groups.
     */
    private static List<ReplicaGroup> replicaGroups(Fields s) {
        if (!s.has("replica-groups")) {
            return List.of();
        }
        if (s.has("replicas")) {
            throw new ScenarioException(s.locationOf("replicas"), "'strategy.replicas' and 'strategy.replica-groups' "
                    + "are mutually exclusive", "give the replica count in each group and remove strategy.replicas");
        }
        if (s.has("parallelism")) {
            Fields par = Fields.of(s.node("parallelism"), s.qualified("parallelism"));
            for (String key : List.of("tp", "pp")) {
                if (par.has(key)) {
                    throw new ScenarioException(par.locationOf(key), "'strategy.parallelism." + key + "' and "
                            + "'strategy.replica-groups' are mutually exclusive", "give " + key + " in each group and remove "
                            + "strategy.parallelism." + key);
                }
            }
        }
        List<YamlNode> items = s.list("replica-groups");
        if (items.isEmpty()) {
            throw new ScenarioException(s.locationOf("replica-groups"), "'strategy.replica-groups' is empty",
                    "add e.g. - { replicas: 2, tp: 8 }");
        }
        List<ReplicaGroup> out = new ArrayList<>();
        List<Object> resolved = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Fields g = Fields.of(items.get(i), "strategy.replica-groups." + i);
            out.add(ServingLayouts.group(g, true));
            resolved.add(g.resolved());
        }
        s.putResolved("replica-groups", resolved);
        return List.copyOf(out);
    }

    /**
     * strategy.speculative: { draft: model, tokens: k, acceptance: α, device: same | spare | host-cpu }: a draft model
     * proposing k tokens per decode step, each accepted with probability α, on the target's devices (same tp), on a spare
     * device of its own or on a CPU socket of the node (tp 1).
     */
    private static Speculation speculative(Fields s, ProfileLibrary library, long seed, ServingConfig c,
                                           Disaggregation disagg) {
        Fields sp = s.object("speculative");
        String policy = c.scheduler().policy();
        if (!policy.equals("vllm") && !policy.equals("sarathi")) {
            throw new ScenarioException(s.locationOf("speculative"), "speculative decoding runs with the vllm or sarathi "
                    + "scheduler, not " + policy, "use scheduler.policy vllm or sarathi");
        }
        if (disagg != null) {
            throw new ScenarioException(s.locationOf("speculative"), "speculative decoding with disaggregation is not "
                    + "supported yet", "remove strategy.speculative or strategy.disaggregation");
        }
        if (c.pp() > 1) {
            throw new ScenarioException(s.locationOf("speculative"), "speculative decoding with pipeline parallelism is "
                    + "not supported yet", "remove strategy.speculative or use pp: 1");
        }
        Resolved<ModelSpec> draft = library.model(sp.node("draft"), sp.qualified("draft"));
        sp.putResolved("draft", draft.yaml());
        ModelSpec d = draft.value();
        if (d.isMoe() || d.mla() != null) {
            throw new ScenarioException(sp.locationOf("draft"), "draft model '" + d.name()
                    + "' uses mixture-of-experts or latent attention, which serving does not execute yet",
                    "choose a small dense draft model, e.g. llama-3.2-1b");
        }
        Speculation.DraftDevice where = Speculation.DraftDevice.fromYaml(sp.choice("device",
                Speculation.DraftDevice.yamlNames(), Speculation.DraftDevice.SAME.yamlName()));
        int tp = where == Speculation.DraftDevice.SAME ? c.tp() : 1;
        if (d.heads() % tp != 0 || (d.kvHeads() % tp != 0 && tp % d.kvHeads() != 0)) {
            throw new ScenarioException(sp.locationOf("draft"), String.format(Locale.ROOT,
                    "the draft runs at the target's tp=%d, which does not split the %d heads / %d KV heads of %s", tp,
                    d.heads(), d.kvHeads(), d.name()), "choose a draft whose head counts tp divides");
        }
        int k = sp.intValue("tokens", 1, Speculation.MAX_TOKENS);
        double alpha = sp.number("acceptance", 0, 1);
        if (!(alpha > 0 && alpha < 1)) {
            throw new ScenarioException(sp.locationOf("acceptance"), "'" + sp.qualified("acceptance")
                    + "' must be strictly between 0 and 1, not " + alpha, "it is the probability that one draft token is "
                    + "accepted, e.g. 0.7");
        }
        sp.finish();
        return new Speculation(d, k, alpha, seed, where);
    }

    private static OutputSpec outputs(Fields f) {
        Fields o = f.optionalObject("outputs");
        long bin = o.quantity("sample-interval", TimeSpan::parse, "1s").picos();
        if (bin < TimeSpan.parse("1ms").picos()) {
            throw new ScenarioException(o.locationOf("sample-interval"), "sample-interval must be at least 1ms", null);
        }
        OutputSpec outputs = new OutputSpec(bin, o.bool("charts", true));
        o.finish();
        return outputs;
    }

    /** The optional network between nodes; required where traffic must cross nodes. */
    private static ScaleOutSpec scaleOut(Fields c, List<Cluster.NodeGroup> groups, ProfileLibrary library) {
        if (!c.has("scale-out")) {
            return null;
        }
        Fields so = c.object("scale-out");
        ScaleOutTopology topology = ScaleOutTopology.valueOf(so.choice("topology",
                List.of("fat-tree", "rail-optimized-fat-tree", "single-switch", "torus"), null).toUpperCase(java.util.Locale.ROOT)
                .replace('-', '_'));
        Resolved<LinkProfile> nic = library.link(so.node("nic"), so.qualified("nic"));
        so.putResolved("nic", nic.yaml());
        if (topology == ScaleOutTopology.TORUS) {
            List<YamlNode> items = so.list("dims");
            List<Integer> dims = new ArrayList<>();
            long product = 1;
            for (YamlNode item : items) {
                int d = listInt(item, so.qualified("dims"), 1, 4096);
                dims.add(d);
                product *= d;
            }
            so.putResolved("dims", new ArrayList<Object>(dims));
            so.finish();
            int nodes = groups.stream().mapToInt(Cluster.NodeGroup::count).sum();
            if (dims.size() < 2 || dims.size() > 3 || product != nodes) {
                throw new ScenarioException(so.locationOf("dims"), "'" + so.qualified("dims") + "' " + dims + " must be 2 or 3 "
                        + "sizes multiplying to the " + nodes + " nodes", "e.g. dims: [4, 4] for 16 nodes");
            }
            return ScaleOutSpec.torus(nic.value(), dims);
        }
        int devicesPerNode = groups.get(0).profile().deviceCount();
        int nics = so.intValue("nics-per-node", devicesPerNode, 1, 4096);
        double oversubscription = so.number("oversubscription", 1.0, 1.0, 64);
        int nodesPerLeaf = so.intValue("nodes-per-leaf", 32, 1, 100_000);
        int spines = so.intValue("spines", 0, 0, 4096);
        so.finish();
        for (Cluster.NodeGroup g : groups) {
            if (g.profile().hostLink() == null) {
                throw new ScenarioException(so.location(), "node template " + g.profile().name()
                        + " has no host link to attach NICs to", null);
            }
        }
        return new ScaleOutSpec(topology, nic.value(), nics, oversubscription, nodesPerLeaf, spines);
    }

    private static CollectiveBenchmark collective(Fields b, List<Cluster.NodeGroup> groups, ScaleOutSpec scaleOut,
                                                  Fields cluster) {
        CollectiveOp op = CollectiveOp.valueOf(b.choice("op", Arrays.stream(CollectiveOp.values())
                .map(CollectiveOp::yamlName).toList(), null).toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        int devices = groups.stream().mapToInt(g -> g.profile().deviceCount() * g.count()).sum();
        int firstNode = groups.get(0).profile().deviceCount();
        int size;
        String group = b.string("group", "all");
        switch (group) {
            case "all" -> size = devices;
            case "node" -> size = firstNode;
            default -> {
                try {
                    size = Integer.parseInt(group.strip());
                } catch (NumberFormatException e) {
                    throw new ScenarioException(b.locationOf("group"), "'collective.group' is '" + group
                            + "'; it is all, node, or a number of devices", null);
                }
                if (size < 2 || size > devices) {
                    throw new ScenarioException(b.locationOf("group"), "a group of " + size + " devices does not fit a "
                            + devices + "-device cluster", "use 2 to " + devices);
                }
            }
        }
        if (size < 2) {
            throw new ScenarioException(b.locationOf("group"), "'collective.group' is " + group + ", a single device; "
                    + "a collective needs at least 2", "use a node with several devices, or more nodes");
        }
        if (op == CollectiveOp.SEND_RECV && size != 2) {
            throw new ScenarioException(b.locationOf("op"), "send-recv runs between 2 devices, but the group has " + size,
                    "set group: 2");
        }
        if (size > firstNode && scaleOut == null) {
            throw new ScenarioException(cluster.location(), "the collective spans " + size + " devices on several nodes, but "
                    + "the cluster has no scale-out network", "add cluster.scale-out: { topology: …, nic: … }");
        }
        List<YamlNode> items = b.list("sizes");
        if (items.isEmpty() || items.size() > 64) {
            throw new ScenarioException(b.locationOf("sizes"), "'collective.sizes' needs 1 to 64 sizes", null);
        }
        List<Double> sizes = new ArrayList<>();
        List<Object> resolved = new ArrayList<>();
        for (YamlNode n : items) {
            if (!(n instanceof YamlNode.Scalar sc) || sc.isNull()) {
                throw new ScenarioException(n.location(), "a size must be a single value like 64MiB, not " + n.describe(), null);
            }
            double bytes;
            try {
                bytes = DataSize.parse(sc.text()).bytes();
            } catch (io.xpusim.units.QuantityFormatException e) {
                throw new ScenarioException(n.location(), "'collective.sizes': " + e.getMessage(), e.hint());
            }
            if (!(bytes >= 1) || bytes > 1e13) {
                throw new ScenarioException(n.location(), "a size must be between 1 B and 10 TB", null);
            }
            sizes.add(bytes);
            resolved.add(sc.text().strip());
        }
        b.putResolved("sizes", resolved);
        CollectiveAlgorithm algorithm = CollectiveAlgorithm.valueOf(b.choice("algorithm", Arrays.stream(
                CollectiveAlgorithm.values()).map(CollectiveAlgorithm::yamlName).toList(), "auto").toUpperCase(java.util.Locale.ROOT));
        double skew = 0;
        if (op == CollectiveOp.ALL_TO_ALL) {
            skew = b.number("skew", 0, 0, 10);
        }
        b.finish();
        return new CollectiveBenchmark(op, size, List.copyOf(sizes), algorithm, skew);
    }

    private static List<Cluster.NodeGroup> cluster(Fields c, ProfileLibrary library) {
        List<YamlNode> items = c.list("nodes");
        if (items.isEmpty()) {
            throw new ScenarioException(c.locationOf("nodes"), "'cluster.nodes' is empty", "add e.g. - { template: dgx-h100, count: 1 }");
        }
        List<Cluster.NodeGroup> groups = new ArrayList<>();
        List<Object> resolved = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Fields n = Fields.of(items.get(i), "cluster.nodes." + i);
            Resolved<NodeProfile> node = library.node(n.node("template"), n.qualified("template"));
            n.putResolved("template", node.yaml());
            int count = n.intValue("count", 1, 1, 100_000);
            LinkProfile nic = null;
            if (n.has("nic")) {
                // this group's NICs, replacing cluster.scale-out.nic on its nodes (mixed generations in one job)
                Resolved<LinkProfile> own = library.link(n.node("nic"), n.qualified("nic"));
                n.putResolved("nic", own.yaml());
                nic = own.value();
            }
            NodeProfile profile = node.value();
            if (n.has("tiers")) {
                // this group's memory tiers: replace the template's of the same name, add the others
                profile = profile.withTiers(library.tiers(n, profile.tiers()));
            }
            n.finish();
            groups.add(new Cluster.NodeGroup(profile, count, nic));
            resolved.add(n.resolved());
        }
        c.putResolved("nodes", resolved);
        return groups;
    }

    /**
     * Requests one synthetic run may bring: 100 M, about 100 × the 1 M-request benchmark (1.1 GB, 35 s); beyond it a run
     * would outgrow any default heap or take hours, and a goodput or plan probe at an absurd rate should say so.
     */
    static final long MAX_REQUESTS = 100_000_000L;

    private static WorkloadSpec workload(Fields w, Path scenarioFile) {
        w.choice("kind", List.of("serving"), "serving");
        long maxRequests = w.integer("requests", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        long duration = w.has("duration") ? w.quantity("duration", TimeSpan::parse).picos() : Long.MAX_VALUE;
        if (w.has("trace")) {
            if (w.has("arrivals")) {
                throw new ScenarioException(w.locationOf("arrivals"), "a workload has either 'trace' or 'arrivals', not both", null);
            }
            Fields t = w.object("trace");
            String format = t.choice("format", Arrays.stream(WorkloadSpec.TraceFormat.values())
                    .map(WorkloadSpec.TraceFormat::yamlName).toList(), null);
            String fileText = t.string("file");
            Path dir = scenarioFile.toAbsolutePath().getParent();
            Path traceFile = dir.resolve(fileText).normalize();
            t.putResolved("file", traceFile.toString()); // absolute, so run.yaml replays from anywhere
            if (!Files.isRegularFile(traceFile)) {
                throw new ScenarioException(t.locationOf("file"), "trace file not found: " + traceFile,
                        "paths are relative to the scenario's folder");
            }
            double scale = t.number("time-scale", 1.0, 1e-9, 1e9);
            boolean skip = t.choice("on-bad-line", List.of("fail", "skip"), "fail").equals("skip");
            t.finish();
            w.finish();
            WorkloadSpec.TraceFormat fmt = Arrays.stream(WorkloadSpec.TraceFormat.values())
                    .filter(x -> x.yamlName().equals(format)).findFirst().orElseThrow();
            return new WorkloadSpec.Trace(fmt, traceFile, new TraceOptions(scale, maxRequests, duration, skip));
        }
        if (!w.has("arrivals")) {
            throw new ScenarioException(w.location(), "the workload needs 'arrivals' (synthetic) or 'trace' (replay)",
                    "e.g. arrivals: { process: poisson, rate: 10/s }");
        }
        if (maxRequests == Long.MAX_VALUE && duration == Long.MAX_VALUE) {
            throw new ScenarioException(w.location(), "a synthetic workload needs 'requests' or 'duration' to end",
                    "e.g. duration: 2min");
        }
        Fields a = w.object("arrivals");
        String process = a.choice("process", List.of("poisson", "gamma", "burst"), null);
        ArrivalSpec arrivals;
        if (process.equals("burst")) {
            if (maxRequests == Long.MAX_VALUE) {
                throw new ScenarioException(a.locationOf("process"), "a burst needs 'workload.requests' (how many arrive at once)", null);
            }
            arrivals = new ArrivalSpec.Burst();
        } else {
            double rate = a.quantity("rate", Frequency::parse).perSecond();
            if (!(rate > 0)) {
                throw new ScenarioException(a.locationOf("rate"), "'workload.arrivals.rate' must be positive", null);
            }
            arrivals = process.equals("gamma") ? new ArrivalSpec.Gamma(rate, a.number("cv", 0.01, 100))
                    : new ArrivalSpec.Poisson(rate);
            double expected = Math.min(maxRequests, duration == Long.MAX_VALUE ? Double.POSITIVE_INFINITY
                    : rate * (duration / 1e12));
            if (expected > MAX_REQUESTS) {
                boolean byRequests = maxRequests <= rate * (duration / 1e12);
                throw new ScenarioException(byRequests ? w.locationOf("requests") : a.locationOf("rate"),
                        String.format(Locale.ROOT, "the workload would bring about %.3g requests (%s), more than the %,d "
                                + "one run simulates", expected, byRequests ? "workload.requests" : "rate × duration",
                                MAX_REQUESTS), "shorten workload.duration, lower the rate or set fewer workload.requests");
            }
        }
        if (process.equals("burst") && maxRequests > MAX_REQUESTS) {
            throw new ScenarioException(w.locationOf("requests"), String.format(Locale.ROOT, "a burst of %,d requests is "
                    + "more than the %,d one run simulates", maxRequests, MAX_REQUESTS), "set fewer workload.requests");
        }
        a.finish();
        LengthSpec input = length(w.object("input-tokens"));
        LengthSpec output = length(w.object("output-tokens"));
        w.finish();
        return new WorkloadSpec.Synthetic(arrivals, input, output, maxRequests, duration);
    }

    private static final int MAX_TOKENS = 10_000_000;

    private static LengthSpec length(Fields l) {
        String d = l.choice("distribution", List.of("fixed", "uniform", "lognormal", "empirical"), null);
        LengthSpec spec = switch (d) {
            case "fixed" -> new LengthSpec.Fixed(l.intValue("tokens", 1, MAX_TOKENS));
            case "uniform" -> {
                int min = l.intValue("min", 1, MAX_TOKENS);
                int max = l.intValue("max", min, MAX_TOKENS);
                yield new LengthSpec.Uniform(min, max);
            }
            case "lognormal" -> {
                double mean = l.number("mean", 1, MAX_TOKENS);
                double cv = l.number("cv", 0.001, 100);
                int min = l.intValue("min", 1, 1, MAX_TOKENS);
                int max = l.intValue("max", MAX_TOKENS, min, MAX_TOKENS);
                yield new LengthSpec.Lognormal(mean, cv, min, max);
            }
            default -> empirical(l);
        };
        l.finish();
        return spec;
    }

    private static LengthSpec empirical(Fields l) {
        List<YamlNode> values = l.list("values");
        if (values.isEmpty() || values.size() > 1_000_000) {
            throw new ScenarioException(l.locationOf("values"), "'" + l.qualified("values") + "' needs 1 to 1,000,000 entries", null);
        }
        int[] v = new int[values.size()];
        List<Object> resolved = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            v[i] = listInt(values.get(i), l.qualified("values"), 1, MAX_TOKENS);
            resolved.add(v[i]);
        }
        l.putResolved("values", resolved);
        double[] weights = null;
        if (l.has("weights")) {
            List<YamlNode> ws = l.list("weights");
            if (ws.size() != v.length) {
                throw new ScenarioException(l.locationOf("weights"), "'weights' has " + ws.size() + " entries but 'values' has "
                        + v.length, null);
            }
            weights = new double[v.length];
            double sum = 0;
            List<Object> rw = new ArrayList<>();
            for (int i = 0; i < v.length; i++) {
                YamlNode n = ws.get(i);
                try {
                    weights[i] = Double.parseDouble(((YamlNode.Scalar) n).text());
                } catch (RuntimeException e) {
                    throw new ScenarioException(n.location(), "a weight must be a number, not " + n.describe(), null);
                }
                if (!(weights[i] >= 0) || Double.isInfinite(weights[i])) {
                    throw new ScenarioException(n.location(), "a weight must be a finite number ≥ 0", null);
                }
                sum += weights[i];
                rw.add(weights[i]);
            }
            if (!(sum > 0)) {
                throw new ScenarioException(l.locationOf("weights"), "the weights add up to 0", null);
            }
            l.putResolved("weights", rw);
        }
        return new LengthSpec.Empirical(v, weights);
    }

    static int listInt(YamlNode n, String what, int min, int max) {
        if (n instanceof YamlNode.Scalar s && !s.isNull()) {
            try {
                int v = Integer.parseInt(s.text().strip());
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new ScenarioException(n.location(), "entries of '" + what + "' must be whole numbers between " + min + " and "
                + max + ", not " + n.describe(), null);
    }

    static ServingConfig strategy(Fields s, ModelSpec model, Path scenarioFile, long seed,
                                  List<Cluster.NodeGroup> nodeGroups) {
        Fields par = s.optionalObject("parallelism");
        int tp = par.intValue("tp", 1, 1, 1024);
        int pp = par.intValue("pp", 1, 1, 1024);
        MoeLoader.Groups groups = MoeLoader.groups(par, model, tp);
        if (pp > 1 && (model.isMoe() || model.mla() != null)) {
            throw new ScenarioException(par.locationOf("pp"), ServingLayouts.pipelineRefusal(model),
                    "use pp: 1" + (model.isMoe() ? " and spread the experts with ep" : ""));
        }
        par.finish();
        Fields sch = s.optionalObject("scheduler");
        String policy = sch.choice("policy", BatchSchedulers.names(), "vllm");
        BatchScheduler rules = BatchSchedulers.create(policy);
        // sarathi's budget is its chunk size: Sarathi-Serve's 2048 for relaxed TBT SLOs (512 for strict ones)
        int defaultTokens = rules.chunksPrompts() ? CHUNKED_DEFAULT_TOKEN_BUDGET : Math.max(8192, model.maxContext());
        int maxTokens = sch.intValue("max-batched-tokens", defaultTokens, 1, MAX_TOKENS);
        int maxSeqs = sch.intValue("max-seqs", 256, 1, 1_000_000);
        int block = sch.intValue("block-size", 16, 1, 1 << 16);
        double watermark = sch.number("watermark", 0.01, 0, 0.5);
        SchedulerConfig.KvReserve kvReserve = SchedulerConfig.KvReserve.ORACLE;
        if (rules.reservesKv()) {
            kvReserve = SchedulerConfig.KvReserve.fromYaml(sch.choice("kv-reserve", SchedulerConfig.KvReserve.yamlNames(),
                    SchedulerConfig.KvReserve.ORACLE.yamlName()));
        } else if (sch.has("kv-reserve")) {
            throw new ScenarioException(sch.locationOf("kv-reserve"), "'" + sch.qualified("kv-reserve")
                    + "' applies to the static and orca policies only, not " + policy,
                    "paged policies (vllm, sarathi) allocate KV blocks as sequences grow; remove kv-reserve");
        }
        int prefixHashTokens = 0;
        if (sch.bool("prefix-caching", false)) {
            if (rules.reservesKv()) {
                throw new ScenarioException(sch.locationOf("prefix-caching"), "'" + sch.qualified("prefix-caching")
                        + "' applies to the paged policies (vllm, sarathi) only, not " + policy,
                        "use policy vllm or sarathi, or remove prefix-caching");
            }
            prefixHashTokens = sch.intValue("prefix-block-size", SchedulerConfig.MOONCAKE_HASH_TOKENS, 1, 1 << 20);
            if (prefixHashTokens % block != 0) {
                throw new ScenarioException(sch.has("prefix-block-size") ? sch.locationOf("prefix-block-size")
                        : sch.locationOf("prefix-caching"), "prefix-block-size (" + prefixHashTokens
                        + " tokens per trace prefix hash) must be a multiple of block-size (" + block + ")",
                        "Mooncake hash_ids cover 512 tokens; use a block-size dividing 512");
            }
        } else if (sch.has("prefix-block-size")) {
            throw new ScenarioException(sch.locationOf("prefix-block-size"), "'" + sch.qualified("prefix-block-size")
                    + "' needs prefix-caching: true", "add prefix-caching: true or remove prefix-block-size");
        }
        AdmissionOrder admission = AdmissionOrder.fromYaml(sch.choice("admission", AdmissionOrder.yamlNames(),
                AdmissionOrder.FCFS.yamlName()));
        // strategy.offload first: preemption by swap is checked against it (and against attention-dp)
        OffloadConfig offload = OffloadLoader.offload(s);
        KvOffload kvOffload = KvOffloadLoader.load(s, sch, policy, prefixHashTokens > 0, nodeGroups, groups.attentionDp(),
                offload);
        Location swapAt = kvOffload == null ? null : KvOffloadLoader.swapLocation(s, sch);
        sch.finish();
        Fields prec = s.optionalObject("precision");
        List<String> names = Arrays.stream(Precision.values()).map(Precision::yamlName).toList();
        Precision weights = Precision.fromYaml(prec.choice("weights", names, "bf16"));
        Precision activations = Precision.fromYaml(prec.choice("activations", List.of("bf16", "fp16", "fp32"), "bf16"));
        Precision kv = Precision.fromYaml(prec.choice("kv-cache", names, activations.yamlName()));
        prec.finish();
        Fields mem = s.optionalObject("memory");
        double util = mem.number("gpu-memory-utilization", 0.9, 0.05, 1.0);
        mem.finish();
        int maxLen = s.intValue("max-model-len", model.maxContext(), 1, model.maxContext());
        Fields rt = s.optionalObject("runtime");
        // a named engine's overheads and launch style; keys beside the preset override them
        RuntimePresets.Preset preset = RuntimePresets.get(rt.choice("preset", RuntimePresets.names(), RuntimePresets.DEFAULT));
        long perKernel = rt.quantity("framework-overhead-per-kernel", TimeSpan::parse, preset.frameworkOverheadPerKernel()).picos();
        long perIteration = rt.quantity("iteration-overhead", TimeSpan::parse, preset.iterationOverhead()).picos();
        long perSequence = rt.quantity("per-sequence-overhead", TimeSpan::parse, preset.perSequenceOverhead()).picos();
        long prefill = rt.quantity("prefill-overhead", TimeSpan::parse, preset.prefillOverhead()).picos();
        boolean graphs = rt.bool("cuda-graphs", preset.cudaGraphs());
        boolean fusion = rt.bool("kernel-fusion", preset.kernelFusion());
        rt.finish();
        Map<String, double[][]> measured = Map.of();
        if (s.has("measured-costs")) {
            Path table = scenarioFile.toAbsolutePath().getParent().resolve(s.string("measured-costs")).normalize();
            s.putResolved("measured-costs", table.toString());
            String shown = s.qualified("measured-costs");
            try {
                measured = MeasuredCostTable.read(table);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new ScenarioException(s.locationOf("measured-costs"), "'" + shown + "': file not found: " + table,
                        "paths are relative to the scenario's folder");
            } catch (java.io.IOException e) {
                throw new ScenarioException(s.locationOf("measured-costs"), "'" + shown + "': cannot read " + table, null);
            } catch (MeasuredCostTable.FormatException e) {
                throw new ScenarioException(new Location(table.toString(), (int) Math.min(Integer.MAX_VALUE, e.line()), 1),
                        e.getMessage(), "header operator,rows,seconds, then one measurement per line");
            }
            for (String op : measured.keySet()) {
                if (!ForwardPass.OPERATOR_NAMES.contains(op)) {
                    throw new ScenarioException(s.locationOf("measured-costs"), "'" + shown + "' lists unknown operator '" + op
                            + "'", DidYouMean.hint(op, ForwardPass.OPERATOR_NAMES));
                }
            }
        }
        MoeServing moe = MoeLoader.moe(s, model, scenarioFile, seed, groups, weights);
        KvOffloadLoader.refuseBesideExperts(swapAt, kvOffload, moe);
        if (pp > 1 && offload.any()) {
            throw new ScenarioException(s.locationOf("offload"), "offloading with pipeline parallelism (pp=" + pp + ") is "
                    + "not supported yet: weight streaming and host attention are modelled for one stage",
                    "remove strategy.offload or use pp: 1");
        }
        if (pp > 1 && kvOffload != null) {
            throw new ScenarioException(swapAt, "preemption by swap with pipeline parallelism (pp=" + pp + ") is not "
                    + "supported yet: the swaps are modelled for one engine's KV cache on one stage's devices, not for "
                    + "every virtual engine's share on every stage", "use preemption: recompute, or pp: 1");
        }
        return new ServingConfig(tp, new SchedulerConfig(policy, maxTokens, maxSeqs, block, watermark, kvReserve, maxLen, prefixHashTokens,
                admission),
                new RuntimeConfig(perKernel, perIteration, perSequence, prefill, graphs, fusion), util, weights, activations,
                kv, maxLen, measured, null, moe, offload, kvOffload, pp);
    }

    /** Defaults for an eager-mode PyTorch serving runtime (preset vllm-v0-eager); see README "Calibration". */
    public static final String DEFAULT_FRAMEWORK_OVERHEAD = RuntimePresets.get(RuntimePresets.DEFAULT).frameworkOverheadPerKernel();
    public static final String DEFAULT_ITERATION_OVERHEAD = RuntimePresets.get(RuntimePresets.DEFAULT).iterationOverhead();
    public static final String DEFAULT_SEQUENCE_OVERHEAD = RuntimePresets.get(RuntimePresets.DEFAULT).perSequenceOverhead();
    public static final String DEFAULT_PREFILL_OVERHEAD = RuntimePresets.get(RuntimePresets.DEFAULT).prefillOverhead();
    /** Default max-batched-tokens of a policy that chunks prompts (sarathi): Sarathi-Serve's relaxed-SLO budget. */
    public static final int CHUNKED_DEFAULT_TOKEN_BUDGET = 2048;

    /** Default {@code slo.attainment} when per-request targets are given (DistServe's 90%). */
    public static final double DEFAULT_ATTAINMENT = 0.9;

    private static Slo slo(Fields f) {
        if (!f.has("slo")) {
            return Slo.NONE;
        }
        Fields s = f.object("slo");
        Map<String, Double> percentiles = new LinkedHashMap<>();
        Map<String, Double> perRequest = new LinkedHashMap<>();
        for (String metric : List.of("ttft", "tpot", "e2e")) {
            if (s.has(metric)) {
                perRequest.put(metric, s.quantity(metric, TimeSpan::parse).seconds());
            }
            for (String p : List.of("mean", "p50", "p90", "p99")) {
                String key = metric + "-" + p;
                if (s.has(key)) {
                    percentiles.put(key, s.quantity(key, TimeSpan::parse).seconds());
                }
            }
        }
        // time between tokens, over every token (Sarathi-Serve's SLO): percentiles only
        for (String p : List.of("p50", "p90", "p99")) {
            String key = "tbt-" + p;
            if (s.has(key)) {
                percentiles.put(key, s.quantity(key, TimeSpan::parse).seconds());
            }
        }
        double attainment = Double.NaN;
        if (perRequest.isEmpty() && s.has("attainment")) {
            // DistServe-style {ttft-p90: 200ms, tpot-p90: 100ms, attainment: 0.9}: the percentile thresholds are the
            // per-request targets, and attainment the fraction that must meet them all
            for (String metric : List.of("ttft", "tpot", "e2e")) {
                List<String> keys = percentiles.keySet().stream().filter(k -> k.startsWith(metric + "-p")).toList();
                if (keys.size() > 1) {
                    throw new ScenarioException(s.locationOf(keys.get(1)), "'slo.attainment' takes one threshold per "
                            + "metric, but " + metric + " has " + String.join(" and ", keys), "give a per-request target: "
                            + metric + ": 200ms");
                }
                if (keys.size() == 1) {
                    perRequest.put(metric, percentiles.get(keys.get(0)));
                }
            }
            if (perRequest.isEmpty()) {
                throw new ScenarioException(s.locationOf("attainment"), "'slo.attainment' counts the requests that meet "
                        + "per-request targets, and none is given", "add e.g. ttft: 200ms and tpot: 100ms (a request "
                        + "attains when it meets every one)");
            }
        }
        if (!perRequest.isEmpty()) {
            attainment = s.number("attainment", DEFAULT_ATTAINMENT, 0, 1);
        }
        s.finish();
        return new Slo(percentiles, perRequest, attainment);
    }

    /** Where tp is written (so a sweep's or --set's value is blamed, not the file's), else the parallelism block. */
    private static Location tpLocation(Fields strategy) {
        if (strategy.has("parallelism") && strategy.node("parallelism") instanceof YamlNode.Mapping m && m.get("tp") != null) {
            return m.get("tp").location();
        }
        return strategy.locationOf("parallelism");
    }

    private static void checkCombination(Fields root, Fields strategy, List<Cluster.NodeGroup> groups, ModelSpec model,
                                         ServingConfig c, int replicas, Disaggregation disagg, boolean scaleOut) {
        if (disagg != null && c.moe() != null && c.moe().offload() != null) {
            throw new ScenarioException(strategy.locationOf("moe"), "expert offloading with prefill/decode "
                    + "disaggregation is not supported", "remove strategy.moe.offload or strategy.disaggregation");
        }
        checkDisaggregationPolicy(strategy, c, disagg);
        if (disagg == null || disagg.sameGpu()) {
            Speculation spec = c.speculation();
            int spares = spec != null && spec.device() == Speculation.DraftDevice.SPARE ? replicas : 0;
            checkCombination(root, strategy, groups, model, c, replicas, tpLocation(strategy),
                    strategy.locationOf("replicas"), (long) c.devicesPerReplica() * replicas + spares, (c.attentionDp() > 1
                            ? String.format(Locale.ROOT, "%d replicas of attention-dp %d × tp %d", replicas,
                            c.attentionDp(), c.tp()) : String.format(Locale.ROOT, "%d replicas at tp=%d%s", replicas, c.tp(),
                            c.pp() > 1 ? " pp=" + c.pp() : "")) + (spares > 0 ? " (with one spare device each for the draft "
                            + "model)" : ""));
            if (c.pp() > 1 || spec != null && !spec.onTargetDevices()) {
                ServingLayouts.walk(strategy, strategy.locationOf("parallelism"), groups, scaleOut, model, c,
                        ServingLayouts.items(List.of(new ReplicaGroup(replicas, c.tp(), c.pp())), "replicas"),
                        String.format(Locale.ROOT, "%d replicas at tp=%d pp=%d need", replicas, c.tp(), c.pp()));
            }
            return;
        }
        List<ServingLayouts.Item> items = new ArrayList<>(ServingLayouts.items(disagg.prefill(), "prefill group"));
        items.addAll(ServingLayouts.items(disagg.decode(), "decode group"));
        ServingLayouts.walk(strategy, strategy.locationOf("disaggregation"), groups, scaleOut, model, c, items,
                "disaggregation (" + disagg.describe() + ") needs");
        long poolDevices = items.stream().mapToLong(i -> i.group().devices()).sum();
        if (!scaleOut && poolDevices > groups.get(0).profile().deviceCount()) {
            // any decode replica may take any prefill replica's KV: pools on several nodes need a network between them
            throw new ScenarioException(strategy.locationOf("disaggregation"), String.format(Locale.ROOT,
                    "the pools (%s) take %d devices, more than one %s node's %d, but the cluster has no scale-out network "
                            + "for the KV moving from prefill to decode", disagg.describe(), poolDevices,
                    groups.get(0).profile().name(), groups.get(0).profile().deviceCount()),
                    "add cluster.scale-out: { topology: …, nic: … }, or fit both pools in one node");
        }
    }

    /** Disaggregation runs with the paged policies and without prefix caching. */
    private static void checkDisaggregationPolicy(Fields strategy, ServingConfig c, Disaggregation disagg) {
        if (disagg == null) {
            return;
        }
        String policy = c.scheduler().policy();
        if (!policy.equals("vllm") && !policy.equals("sarathi")) {
            throw new ScenarioException(strategy.locationOf("scheduler"), "disaggregation runs with the vllm or sarathi "
                    + "scheduler, not " + policy, "use scheduler.policy vllm or sarathi");
        }
        if (c.scheduler().prefixCaching()) {
            throw new ScenarioException(strategy.locationOf("scheduler"), "prefix caching with disaggregation is not "
                    + "supported yet", "turn prefix-caching off or remove strategy.disaggregation");
        }
    }

    static void checkCombination(Fields root, Fields strategy, List<Cluster.NodeGroup> groups, ModelSpec model,
                                         ServingConfig c, int replicas, Location tpAt, Location replicasAt,
                                         long needed, String what) {
        NodeProfile first = groups.get(0).profile();
        long covered = 0;
        for (Cluster.NodeGroup g : groups) {
            if (covered >= (long) c.devicesPerReplica() * replicas) {
                break; // devices past the replicas' (spare ones for draft models) may be of another type
            }
            covered += (long) g.profile().deviceCount() * g.count();
            if (!g.profile().device().name().equals(first.device().name())) {
                throw new ScenarioException(root.locationOf("cluster"), "serving on mixed device types ("
                        + first.device().name() + ", " + g.profile().device().name() + ") is not supported yet",
                        "use one device type per scenario");
            }
        }
        int tp = c.tp();
        if (model.heads() % tp != 0) {
            throw new ScenarioException(tpAt, String.format(Locale.ROOT, "tp=%d does not divide the %d attention heads of %s",
                    tp, model.heads(), model.name()), "use a divisor of " + model.heads() + ", e.g. " + divisors(model.heads()));
        }
        if (model.kvHeads() % tp != 0 && tp % model.kvHeads() != 0) {
            throw new ScenarioException(tpAt, String.format(Locale.ROOT,
                    "tp=%d and the %d KV heads of %s do not divide one another", tp, model.kvHeads(), model.name()),
                    "use a divisor or a multiple of " + model.kvHeads());
        }
        if (model.layers() % c.pp() != 0) {
            throw new ScenarioException(tpAt, String.format(Locale.ROOT, "pp=%d does not divide the %d layers of %s",
                    c.pp(), model.layers(), model.name()), "pipeline stages hold equal numbers of layers: use a divisor of "
                    + model.layers() + ", e.g. " + divisors(model.layers()));
        }
        if (tp > first.deviceCount()) {
            throw new ScenarioException(tpAt, String.format(Locale.ROOT, "tp=%d is more than the %d devices of a %s node",
                    tp, first.deviceCount(), first.name()), "tensor parallelism stays inside one node");
        }
        DeviceProfile device = first.device();
        if (device.peakFlopsPerSecond(c.activations()) <= 0) {
            throw new ScenarioException(strategy.locationOf("precision"), device.name() + " has no "
                    + c.activations().yamlName() + " math", "choose a precision listed in its profile's peak-flops");
        }
        int devices = 0;
        for (Cluster.NodeGroup g : groups) {
            devices += g.profile().deviceCount() * g.count();
        }
        if (needed > devices) {
            throw new ScenarioException(replicasAt, String.format(Locale.ROOT,
                    "%s need%s %d devices but the cluster has %d", what, what.startsWith("dis") ? "s" : "", needed, devices),
                    "lower replicas or tp, or add nodes");
        }
        if (first.deviceCount() % tp != 0 && c.attentionDp() > 1) {
            throw new ScenarioException(tpAt, String.format(Locale.ROOT, "tp=%d does not divide the %d devices of a %s node, "
                    + "so attention groups would span nodes", tp, first.deviceCount(), first.name()),
                    "use a tp dividing " + first.deviceCount());
        }
        // pipeline stages on several nodes are checked by the layout walk (ServingLayouts)
        if (c.pp() == 1 && c.devicesPerReplica() > first.deviceCount() && root != null && !hasScaleOut(root)) {
            throw new ScenarioException(tpAt, String.format(Locale.ROOT, "expert parallelism over %d devices spans "
                    + "several %s nodes of %d, but the cluster has no scale-out network", c.devicesPerReplica(),
                    first.name(), first.deviceCount()), "add cluster.scale-out: { topology: …, nic: … }");
        }
        if (tp > 1 && (first.scaleUpTopology() == ScaleUpTopology.C2C || first.scaleUpTopology() == ScaleUpTopology.NONE)) {
            throw new ScenarioException(tpAt, "node template '" + first.name()
                    + "' has no device-to-device fabric for tensor parallelism", "use tp: 1 or a multi-GPU node");
        }
        if (c.offload().any() && (first.hostLink() == null || first.hostMemory() == null)) {
            throw new ScenarioException(strategy.locationOf("offload"), "offloading needs host memory and a host link, "
                    + "and node template '" + first.name() + "' has " + (first.hostMemory() == null ? "no host memory"
                    : "no host link"), "use a node with host-memory and host-link, or remove strategy.offload");
        }
        OffloadLoader.checkNodes(strategy, c.offload(), groups.stream().map(Cluster.NodeGroup::profile).toList());
        boolean expertOffload = c.moe() != null && c.moe().offload() != null;
        if (expertOffload) {
            ExpertOffloadLoader.checkNode(strategy, first, model, c.moe().offload(), c.weights());
        }
        try {
            MemoryPlan.plan(model, device, c, first);
        } catch (InfeasibleConfigurationException e) {
            Location blamed = OffloadLoader.blame(strategy, c.offload(), e);
            throw new ScenarioException(blamed != null ? blamed : expertOffload ? strategy.locationOf("moe") : tpAt,
                    e.getMessage(), e.hint());
        }
        boolean chunks = BatchSchedulers.create(c.scheduler().policy()).chunksPrompts();
        if (c.maxModelLen() > c.scheduler().maxBatchedTokens() && !chunks) {
            // vLLM refuses this without chunked prefill: a maximal prompt could never be scheduled (sarathi chunks it)
            throw new ScenarioException(strategy.locationOf("scheduler"), String.format(Locale.ROOT,
                    "max-batched-tokens %d is below max-model-len %d, so the longest prompts could never run",
                    c.scheduler().maxBatchedTokens(), c.maxModelLen()), "raise max-batched-tokens or lower max-model-len");
        }
    }

    private static boolean hasScaleOut(Fields root) {
        YamlNode c = root.node("cluster");
        return c instanceof YamlNode.Mapping m && m.get("scale-out") != null;
    }

    private static String divisors(int n) {
        List<String> d = new ArrayList<>();
        for (int i = 1; i <= n && d.size() < 6; i++) {
            if (n % i == 0) {
                d.add(Integer.toString(i));
            }
        }
        return String.join(", ", d);
    }
}
