package io.xpusim.scenario;

import io.xpusim.hardware.DeviceKind;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.LinkKind;
import io.xpusim.hardware.LinkProfile;
import io.xpusim.hardware.MemoryKind;
import io.xpusim.hardware.MemoryProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.RingProtocols;
import io.xpusim.hardware.ScaleUpTopology;
import io.xpusim.hardware.TierSpec;
import io.xpusim.model.MlaSpec;
import io.xpusim.model.MlpKind;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.MoeSpec;
import io.xpusim.units.Bandwidth;
import io.xpusim.units.DataSize;
import io.xpusim.units.FlopRate;
import io.xpusim.units.Power;
import io.xpusim.units.Precision;
import io.xpusim.units.TimeSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Hardware profiles ({@code hardware-profiles/{devices,memories,links,nodes}}) and the model catalog
 * ({@code models/}), found by name or given inline. Wherever a scenario names a profile it may instead
 * write the profile's mapping in place — that is how {@code run.yaml} inlines everything it used.
 */
public final class ProfileLibrary {
    private final Path hardwareRoot;
    private final List<Path> modelRoots;
    private final Map<Path, Resolved<?>> cache = new HashMap<>();

    public ProfileLibrary(Path hardwareRoot, List<Path> modelRoots) {
        this.hardwareRoot = hardwareRoot;
        this.modelRoots = List.copyOf(modelRoots);
    }

    /**
     * The library for a scenario: {@code hardware-profiles/} found in the scenario's folder or an ancestor,
     * else under the installation ({@code xpusim.home}); models in {@code models/} beside the scenario, then
     * {@code scenarios/models/} of the project.
     */
    public static ProfileLibrary forScenario(Path scenarioFile) {
        Path dir = scenarioFile.toAbsolutePath().normalize().getParent();
        Path home = installationHome();
        Path hw = null;
        List<Path> models = new ArrayList<>();
        if (dir != null) {
            models.add(dir.resolve("models"));
        }
        for (Path d = dir; d != null; d = d.getParent()) {
            if (hw == null && Files.isDirectory(d.resolve("hardware-profiles"))) {
                hw = d.resolve("hardware-profiles");
                models.add(d.resolve("scenarios").resolve("models"));
            }
        }
        if (hw == null) {
            hw = home.resolve("hardware-profiles");
        }
        models.add(home.resolve("scenarios").resolve("models"));
        return new ProfileLibrary(hw, models);
    }

    /** The installation folder: system property {@code xpusim.home}, else the working directory. */
    public static Path installationHome() {
        String h = System.getProperty("xpusim.home");
        return (h == null ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
    }

    /** Names of profiles of a kind ({@code devices}, {@code memories}, {@code links}, {@code nodes}) or models. */
    public List<String> names(String kind) {
        List<Path> dirs = kind.equals("models") ? modelRoots : List.of(hardwareRoot.resolve(kind));
        TreeMap<String, Path> found = new TreeMap<>();
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> p.getFileName().toString().endsWith(".yaml"))
                        .forEach(p -> found.putIfAbsent(p.getFileName().toString().replaceFirst("\\.yaml$", ""), p));
            } catch (IOException e) {
                // an unreadable folder simply contributes no names
            }
        }
        return new ArrayList<>(found.keySet());
    }

    // ---------------------------------------------------------------- references

    @FunctionalInterface
    private interface Binder<T> {
        T bind(Fields f);
    }

    /** Binds a reference: a scalar names a file in {@code dirs}; a mapping is the profile itself. */
    @SuppressWarnings("unchecked")
    private <T> Resolved<T> resolve(YamlNode ref, String path, String kind, List<Path> dirs, Binder<T> binder) {
        if (ref instanceof YamlNode.Mapping) {
            Fields f = Fields.of(ref, path);
            T v = binder.bind(f);
            f.finish();
            return new Resolved<>(v, f.resolved());
        }
        if (!(ref instanceof YamlNode.Scalar s) || s.isNull()) {
            throw new ScenarioException(ref.location(), "'" + path + "' must name a " + singular(kind) + " profile", null);
        }
        String name = s.text().strip();
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new ScenarioException(s.location(), "'" + name + "' is not a profile name", "names use letters, digits, '.', '_' and '-'");
        }
        for (Path d : dirs) {
            Path file = d.resolve(name + ".yaml");
            if (Files.isRegularFile(file)) {
                Path key = file.toAbsolutePath().normalize();
                Resolved<?> hit = cache.get(key);
                if (hit == null) {
                    Fields f = Fields.of(YamlReader.readFile(file, display(file)), "");
                    T v = binder.bind(f);
                    f.finish();
                    String declared = (String) f.resolved().get("name");
                    if (!name.equals(declared)) {
                        throw new ScenarioException(f.locationOf("name"), "profile file " + name + ".yaml declares name '"
                                + declared + "'", "the name must match the file name");
                    }
                    hit = new Resolved<>(v, f.resolved());
                    cache.put(key, hit);
                }
                return (Resolved<T>) hit;
            }
        }
        throw new ScenarioException(s.location(), "unknown " + singular(kind) + " '" + name + "'",
                DidYouMean.hint(name, names(kind)));
    }

    private static String singular(String kind) {
        return switch (kind) {
            case "devices" -> "device";
            case "memories" -> "memory";
            case "links" -> "link";
            case "nodes" -> "node";
            default -> "model";
        };
    }

    private static String display(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    public Resolved<NodeProfile> node(YamlNode ref, String path) {
        return resolve(ref, path, "nodes", List.of(hardwareRoot.resolve("nodes")), this::bindNode);
    }

    Resolved<DeviceProfile> device(YamlNode ref, String path) {
        return resolve(ref, path, "devices", List.of(hardwareRoot.resolve("devices")), this::bindDevice);
    }

    Resolved<MemoryProfile> memory(YamlNode ref, String path) {
        return resolve(ref, path, "memories", List.of(hardwareRoot.resolve("memories")), this::bindMemory);
    }

    public Resolved<LinkProfile> link(YamlNode ref, String path) {
        return resolve(ref, path, "links", List.of(hardwareRoot.resolve("links")), this::bindLink);
    }

    public Resolved<ModelSpec> model(YamlNode ref, String path) {
        return resolve(ref, path, "models", modelRoots, this::bindModel);
    }

    // ---------------------------------------------------------------- binders

    private static Map<String, String> sources(Fields f) {
        Fields s = f.object("sources");
        Map<String, String> out = new LinkedHashMap<>();
        YamlNode.Mapping m = (YamlNode.Mapping) f.node("sources");
        for (String key : m.entries().keySet()) {
            out.put(key, s.string(key));
        }
        s.finish();
        if (out.isEmpty()) {
            throw new ScenarioException(s.location(), "'sources' is empty", "every number needs a source");
        }
        return out;
    }

    private static <E extends Enum<E>> E enumChoice(Fields f, String key, Class<E> type) {
        List<String> allowed = Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
        String v = f.choice(key, allowed, null);
        return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    private DeviceProfile bindDevice(Fields f) {
        String name = f.string("name");
        DeviceKind kind = enumChoice(f, "kind", DeviceKind.class);
        String description = f.string("description", "");
        Fields peaks = f.object("peak-flops");
        EnumMap<Precision, Double> peak = new EnumMap<>(Precision.class);
        for (Precision p : Precision.values()) {
            if (peaks.has(p.yamlName())) {
                peak.put(p, peaks.quantity(p.yamlName(), FlopRate::parse).flopsPerSecond());
            }
        }
        peaks.finish();
        Resolved<MemoryProfile> memory = memory(f.node("memory"), f.qualified("memory"));
        f.putResolved("memory", memory.yaml());
        Fields eff = f.object("efficiency");
        double gemm = eff.number("gemm", 0.01, 1);
        double halfRows = eff.number("gemm-half-rows", 0, 1e6);
        boolean accelerator = kind != DeviceKind.CPU;
        // a CPU's attention may run far below its GEMM rate (e.g. PyTorch's fp16 path on x86 without fp16 arithmetic)
        double attention = accelerator ? eff.number("attention", 0.01, 1) : eff.number("attention", gemm, 0.001, 1);
        eff.finish();
        double tdp = f.quantity("tdp", Power::parse).watts();
        double price = f.number("price-per-hour-usd", 0, 1e6);
        int cores = accelerator ? f.intValue("cores", 0, 0, 1 << 20) : f.intValue("cores", 1, 1 << 20);
        long launch = accelerator ? f.quantity("kernel-launch", TimeSpan::parse, "0us").picos()
                : f.quantity("kernel-launch", TimeSpan::parse).picos();
        // the host runtime's overheads scale with it: required for CPUs so every host says how fast it runs Python
        double speed = accelerator ? 0 : f.number("single-thread-speed", 0.1, 10);
        return new DeviceProfile(name, kind, description, peak, memory.value(), gemm, halfRows, attention, tdp, price,
                cores, launch, speed, sources(f));
    }

    private MemoryProfile bindMemory(Fields f) {
        String name = f.string("name");
        MemoryKind kind = enumChoice(f, "kind", MemoryKind.class);
        double capacity = positive(f, "capacity", f.quantity("capacity", DataSize::parse).bytes());
        double bandwidth = positive(f, "bandwidth", f.quantity("bandwidth", Bandwidth::parse).bytesPerSecond());
        double efficiency = f.number("efficiency", 0.01, 1);
        long latency = f.quantity("latency", TimeSpan::parse).picos();
        // an SSD's writes run at their own rate; the others share the one bandwidth between reads and writes
        double write = f.has("write-bandwidth")
                ? positive(f, "write-bandwidth", f.quantity("write-bandwidth", Bandwidth::parse).bytesPerSecond()) : 0;
        double internal = f.has("internal-bandwidth")
                ? positive(f, "internal-bandwidth", f.quantity("internal-bandwidth", Bandwidth::parse).bytesPerSecond()) : 0;
        return new MemoryProfile(name, kind, capacity, bandwidth, efficiency, latency, write, internal, sources(f));
    }

    private LinkProfile bindLink(Fields f) {
        String name = f.string("name");
        LinkKind kind = enumChoice(f, "kind", LinkKind.class);
        double bandwidth = positive(f, "bandwidth", f.quantity("bandwidth", Bandwidth::parse).bytesPerSecond());
        double efficiency = f.number("efficiency", 0.01, 1);
        long latency = f.quantity("latency", TimeSpan::parse).picos();
        double halfSize = 0;
        double shape = 1;
        if (f.has("collective-half-size")) {
            halfSize = positive(f, "collective-half-size", f.quantity("collective-half-size", DataSize::parse).bytes());
            shape = f.number("collective-shape", 0.1, 4);
        }
        double inSwitch = f.has("in-switch-reduction")
                ? positive(f, "in-switch-reduction", f.quantity("in-switch-reduction", Bandwidth::parse).bytesPerSecond()) : 0;
        RingProtocols protocols = null;
        if (f.has("ring-protocols")) {
            Fields rp = f.object("ring-protocols");
            double from = positive(rp, "simple-ring-from-per-rank",
                    rp.quantity("simple-ring-from-per-rank", DataSize::parse).bytes());
            protocols = new RingProtocols(from, rp.number("low-latency-efficiency", 0.01, 1));
            rp.finish();
        }
        return new LinkProfile(name, kind, bandwidth, efficiency, latency, halfSize, shape, inSwitch, protocols, sources(f));
    }

    private NodeProfile bindNode(Fields f) {
        String name = f.string("name");
        String description = f.string("description", "");
        Fields devs = f.object("devices");
        Resolved<DeviceProfile> device = device(devs.node("profile"), devs.qualified("profile"));
        devs.putResolved("profile", device.yaml());
        int count = devs.intValue("count", 1, 4096);
        devs.finish();
        if (device.value().kind() == DeviceKind.CPU) {
            throw new ScenarioException(devs.locationOf("profile"), "'" + devs.qualified("profile")
                    + "' must be an accelerator (gpu or npu), not a cpu", "list CPUs under 'cpus'");
        }
        Fields up = f.optionalObject("scale-up");
        ScaleUpTopology topology = enumChoice(up, "topology", ScaleUpTopology.class);
        LinkProfile link = null;
        int perSwitch = count;
        if (topology != ScaleUpTopology.NONE) {
            Resolved<LinkProfile> l = link(up.node("link"), up.qualified("link"));
            up.putResolved("link", l.yaml());
            link = l.value();
            if (topology == ScaleUpTopology.PCIE_SWITCH) {
                perSwitch = up.intValue("devices-per-switch", 1, 4096);
            }
            if (topology == ScaleUpTopology.SUPERNODE) {
                perSwitch = up.intValue("devices-per-board", count, 1, 4096);
                if (count % perSwitch != 0) {
                    throw new ScenarioException(up.locationOf("devices-per-board"), "devices-per-board " + perSwitch
                            + " does not divide the node's " + count + " devices", "boards hold equal numbers of devices");
                }
            }
        }
        up.finish();
        if (topology == ScaleUpTopology.C2C && count != 1) {
            throw new ScenarioException(up.locationOf("topology"), "topology 'c2c' couples one device to its CPU, but the node has "
                    + count + " devices", "use switch, pcie-switch or full-mesh for multi-device nodes");
        }
        Fields cpus = f.object("cpus");
        Resolved<DeviceProfile> cpu = device(cpus.node("profile"), cpus.qualified("profile"));
        cpus.putResolved("profile", cpu.yaml());
        int cpuCount = cpus.intValue("count", 1, 4096);
        cpus.finish();
        if (cpu.value().kind() != DeviceKind.CPU) {
            throw new ScenarioException(cpus.locationOf("profile"), "'" + cpus.qualified("profile") + "' must be a cpu profile", null);
        }
        Fields hm = f.object("host-memory");
        Resolved<MemoryProfile> hostMemory = memory(hm.node("profile"), hm.qualified("profile"));
        hm.putResolved("profile", hostMemory.yaml());
        int hmCount = hm.intValue("count", 1, 4096);
        hm.finish();
        Resolved<LinkProfile> hostLink = link(f.node("host-link"), f.qualified("host-link"));
        f.putResolved("host-link", hostLink.yaml());
        LinkProfile socketLink = null;
        if (f.has("socket-link")) {
            Resolved<LinkProfile> sl = link(f.node("socket-link"), f.qualified("socket-link"));
            f.putResolved("socket-link", sl.yaml());
            socketLink = sl.value();
        }
        List<TierSpec> tiers = f.has("tiers") ? tiers(f, List.of()) : List.of();
        double price = f.number("price-per-hour-usd", 0, 1e7);
        return new NodeProfile(name, description, device.value(), count, link, topology, perSwitch, cpu.value(), cpuCount,
                hostMemory.value(), hmCount, hostLink.value(), price, sources(f), socketLink, tiers);
    }

    /** Most units of one tier on a node (CXL cards, drives). */
    static final int MAX_TIER_UNITS = 64;

    /**
     * The {@code tiers} list of a node template or a scenario's node group: each {@code {name, memory, count, link,
     * engine}} (name defaults to cxl / nvme / csd by kind). Tiers named like one of {@code inherited} replace it;
     * the others are added after them. Returns the resulting list, in order.
     */
    List<TierSpec> tiers(Fields parent, List<TierSpec> inherited) {
        List<YamlNode> items = parent.list("tiers");
        List<TierSpec> out = new ArrayList<>(inherited);
        List<Object> resolved = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Fields t = Fields.of(items.get(i), parent.qualified("tiers") + "." + i);
            Resolved<MemoryProfile> memory = memory(t.node("memory"), t.qualified("memory"));
            t.putResolved("memory", memory.yaml());
            MemoryKind kind = memory.value().kind();
            if (kind != MemoryKind.CXL && kind != MemoryKind.SSD) {
                throw new ScenarioException(t.locationOf("memory"), "'" + t.qualified("memory") + "' is " + kind.name()
                        .toLowerCase(Locale.ROOT) + " memory; a tier is a CXL expander or an SSD",
                        "host DRAM is host-memory, the accelerators' memory is their device profile's");
            }
            DeviceProfile engine = null;
            if (t.has("engine")) {
                Resolved<DeviceProfile> e = device(t.node("engine"), t.qualified("engine"));
                t.putResolved("engine", e.yaml());
                engine = e.value();
                if (engine.kind() != DeviceKind.CSD || kind != MemoryKind.SSD) {
                    throw new ScenarioException(t.locationOf("engine"), "'" + t.qualified("engine") + "' must be a csd "
                            + "device profile on an ssd memory", "an engine is the compute inside a computational storage drive");
                }
            }
            String name = t.string("name", TierSpec.defaultName(kind, engine != null));
            if (!name.matches("[a-z][a-z0-9-]{0,31}") || name.equals(TierSpec.HOST) || name.equals(TierSpec.DEVICE)) {
                throw new ScenarioException(t.has("name") ? t.locationOf("name") : t.location(), "tier name '" + name
                        + "' is not usable", "use lower-case letters, digits and '-', other than '" + TierSpec.HOST
                        + "' (host memory) and '" + TierSpec.DEVICE + "' (device memory)");
            }
            if (!seen.add(name)) {
                throw new ScenarioException(t.location(), "two tiers are named '" + name + "'", "give each a distinct name");
            }
            int count = t.intValue("count", 1, 1, MAX_TIER_UNITS);
            Resolved<LinkProfile> link = link(t.node("link"), t.qualified("link"));
            t.putResolved("link", link.yaml());
            LinkKind lk = link.value().kind();
            if (lk != LinkKind.PCIE && lk != LinkKind.CXL) {
                throw new ScenarioException(t.locationOf("link"), "'" + t.qualified("link") + "' is a " + lk.name()
                        .toLowerCase(Locale.ROOT) + " link; a tier attaches to the host by PCIe or CXL", null);
            }
            t.finish();
            resolved.add(t.resolved());
            TierSpec spec = new TierSpec(name, memory.value(), count, link.value(), engine);
            out.removeIf(x -> x.name().equals(spec.name()));
            out.add(spec);
        }
        parent.putResolved("tiers", resolved);
        return out;
    }

    private ModelSpec bindModel(Fields f) {
        String name = f.string("name");
        String description = f.string("description", "");
        int hidden = f.intValue("hidden-size", 1, 1 << 20);
        int layers = f.intValue("layers", 1, 10_000);
        int heads = f.intValue("heads", 1, 1 << 16);
        int kvHeads = f.intValue("kv-heads", heads, 1, heads);
        if (heads % kvHeads != 0) {
            throw new ScenarioException(f.locationOf("kv-heads"), "kv-heads " + kvHeads + " does not divide heads " + heads, null);
        }
        int headDim = f.intValue("head-dim", Math.max(1, hidden / heads), 1, 1 << 16);
        int inter = f.intValue("intermediate-size", 1, 1 << 24);
        int vocab = f.intValue("vocab-size", 1, 1 << 24);
        MlpKind mlp = enumChoice(f, "mlp", MlpKind.class);
        boolean layerNorm = f.choice("norm", List.of("rmsnorm", "layernorm"), null).equals("layernorm");
        boolean learned = f.choice("position", List.of("rope", "learned", "alibi"), null).equals("learned");
        boolean bias = f.bool("bias", false);
        boolean tied = f.bool("tied-embeddings", false);
        int ctx = f.intValue("max-context", 1, 1 << 24);
        double params = f.number("parameters", 1, 1e15);
        MoeSpec moe = null;
        if (f.has("moe")) {
            Fields m = f.object("moe");
            int experts = m.intValue("experts", 1, 1 << 16);
            moe = new MoeSpec(experts, m.intValue("top-k", 1, experts), m.intValue("shared-experts", 0, 0, 1 << 10),
                    m.intValue("expert-intermediate-size", 1, 1 << 24), m.intValue("dense-layers", 0, 0, layers));
            m.finish();
        }
        MlaSpec mla = null;
        if (f.has("mla")) {
            Fields m = f.object("mla");
            mla = new MlaSpec(m.intValue("q-lora-rank", 0, 1 << 20), m.intValue("kv-lora-rank", 1, 1 << 20),
                    m.intValue("qk-nope-head-dim", 1, 1 << 16), m.intValue("qk-rope-head-dim", 0, 1 << 16),
                    m.intValue("v-head-dim", 1, 1 << 16));
            m.finish();
        }
        String source = f.string("source");
        return new ModelSpec(name, description, hidden, layers, heads, kvHeads, headDim, inter, vocab, mlp, layerNorm,
                learned, bias, tied, ctx, params, moe, mla, source);
    }

    private static double positive(Fields f, String key, double v) {
        if (!(v > 0)) {
            throw new ScenarioException(f.locationOf(key), "'" + f.qualified(key) + "' must be positive", null);
        }
        return v;
    }
}
