package io.xpusim.serving;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named sets of serving-runtime host overheads and launch styles ({@code strategy.runtime.preset}), each describing one
 * engine; keys given beside the preset override its values. Each preset says where its constants come from. Like every
 * runtime overhead, the times are reference-core values ({@link RuntimeConfig}): a host CPU of single-thread speed s
 * spends them / s.
 */
public final class RuntimePresets {
    /**
     * One engine's host overheads, as the quantities YAML takes.
     *
     * @param source where the constants come from
     */
    public record Preset(String name, String frameworkOverheadPerKernel, String iterationOverhead,
                         String perSequenceOverhead, String prefillOverhead, boolean cudaGraphs, boolean kernelFusion,
                         String source) {
    }

    public static final String DEFAULT = "vllm-v0-eager";

    private static final Map<String, Preset> BY_NAME = new TreeMap<>();

    static {
        add(new Preset(DEFAULT, "40us", "1ms", "250us", "20ms", false, false, "eager-mode PyTorch vLLM 0.2-era engine, calibrated on five "
                + "Splitwise Llama-2-70B configurations on A100 (README, Calibration)"));
        // least squares of (DistServe's measured latency − this simulator's roofline device time) for OPT-13B at tp 1
        // on A100-80GB, over decode batches 1..95 × contexts 128..1536 (iteration + batch × sequence) and single
        // prompts of 64..2,048 tokens (the prefill residual beyond one iteration and sequence); the kernels are launched
        // from C++ (SwiftTransformer), so no framework time per kernel; DistServeRuntimePresetTest refits them. DistServe
        // does not name its hosts' CPU: its A100-80GB SXM nodes are taken as DGX A100-class, EPYC 7742 = the reference
        // core (speed 1.0), so the fitted times are reference-core values as they stand. Eager launches (no CUDA graphs
        // or fusion assumed: the fit saw none, and launches overlap the device there)
        add(new Preset("distserve", "0us", "4.8ms", "123us", "3.9ms", false, false, "fitted to DistServe's own engine profile "
                + "(LLMServe/DistServe simdistserve/estimators/profile_data/profiler-a100-80g.distserve.json, "
                + "facebook/opt-13b, tp 1), not to any goodput result"));
    }

    private RuntimePresets() {
    }

    private static void add(Preset p) {
        BY_NAME.put(p.name(), p);
    }

    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The preset named {@code name}; the names come from {@link #names()}. */
    public static Preset get(String name) {
        Preset p = BY_NAME.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown runtime preset '" + name + "'; known: " + names());
        }
        return p;
    }
}
