package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.IterationPoint;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mixture-of-experts iteration's host side, by hand: every device's host thread launches its attention group's dense
 * kernels plus the routed experts' kernels at the CPU's launch cost plus the framework time / single-thread speed
 * (HostLaunchCosts, as a dense iteration), and each attention group's first rank then spends the serial overheads for
 * its own sequences. Qwen3-30B-A3B: 48 layers, all MoE, no shared expert.
 */
class MoeHostLaunchTest {
    private static final Path STUDY = Path.of("scenarios/study/host-bound-prefill-h100-pcie-vs-gh200.yaml");
    /**
     * Per layer input norm, QKV, rope + KV write, prompt attention, O, post-attention norm, router, combine, residual
     * add (9), plus embedding, final norm, LM head and sampling; the routed experts add permute, grouped gate-up,
     * activation and down per MoE layer (4), and under expert parallelism the dispatch and combine (2).
     */
    private static final int DENSE_KERNELS = 48 * 9 + 4;
    private static final int EXPERT_KERNELS = 48 * 4;
    private static final int EP_KERNELS = 48 * 2;
    /** Kernel fusion folds 4 element-wise operators per layer and the final norm into their neighbours. */
    private static final int FUSED_AWAY = 48 * 4 + 1;
    /** Xeon 8480+: 5 µs CUDA launch, single-thread speed 1.56; the default eager runtime's 40 µs per kernel. */
    private static final double PER_KERNEL = (5 + 40 / 1.56) * 1e-6;

    /** The default runtime's serial overheads for {@code sequences} sequences, on the Xeon 8480+. */
    private static double serial(int sequences, boolean prompt) {
        return (1e-3 + sequences * 250e-6 + (prompt ? 20e-3 : 0)) / 1.56;
    }

    private static RunResult iterations(Path dir, List<String> overrides) throws IOException {
        Path f = dir.resolve("moe-iteration.yaml");
        Files.writeString(f, Files.readString(STUDY).replace("model: llama-3.2-1b", "model: qwen3-30b-a3b"));
        return ScenarioRunner.simulate(ScenarioLoader.load(f, overrides), RunLimits.NONE, null);
    }

    @Test
    void aMoePrefillLaunchesItsExpertKernelsOnTheHostThread(@TempDir Path dir) throws IOException {
        RunResult r = iterations(dir, List.of());
        IterationPoint h100 = r.iterations().get(0);
        assertEquals(DENSE_KERNELS + EXPERT_KERNELS, 628);
        assertEquals(628 * PER_KERNEL, h100.hostLaunchSeconds(), 1e-12);
        assertEquals(serial(1, true), h100.serialSeconds(), 1e-12);
        IterationPoint gh200 = r.iterations().stream().filter(p -> p.group() == 1).findFirst().orElseThrow();
        assertEquals(628 * (4 + 40 / 1.19) * 1e-6, gh200.hostLaunchSeconds(), 1e-12, "Grace: 4 µs launch, speed 1.19");
        // the launches overlap the device: the iteration ends at the longer of the two, plus the serial overheads
        for (IterationPoint p : r.iterations()) {
            assertEquals(Math.max(p.hostLaunchSeconds(), p.deviceSeconds()) + p.serialSeconds(), p.iterationSeconds(),
                    1e-6 * p.iterationSeconds() + 1e-9, "batch " + p.batch());
        }
        IterationPoint fused = iterations(dir, List.of("strategy.runtime.kernel-fusion=true")).iterations().get(0);
        assertEquals((628 - FUSED_AWAY) * PER_KERNEL, fused.hostLaunchSeconds(), 1e-12);
        assertEquals(h100.deviceSeconds(), fused.deviceSeconds(), 1e-12, "fusion changes launches only");
    }

    @Test
    void anIterationSweepRefusesAttentionGroups(@TempDir Path dir) throws IOException {
        // kind: iteration times one device per node group: attention-dp 2 would need two
        Path f = dir.resolve("moe-iteration.yaml");
        Files.writeString(f, Files.readString(STUDY).replace("model: llama-3.2-1b", "model: qwen3-30b-a3b"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.xpusim.scenario.ScenarioException.class,
                () -> ScenarioLoader.load(f, List.of("strategy.parallelism.attention-dp=2", "strategy.parallelism.ep=2")));
        assertTrue(e.getMessage().contains("times one device per node group, so attention-dp must be 1, not 2"),
                e.getMessage());
    }

    private static final String ATTENTION_DP = """
            schema: xpusim/v1
            name: attention-dp-host
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: qwen3-30b-a3b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 2
              input-tokens: { distribution: fixed, tokens: 16 }
              output-tokens: { distribution: fixed, tokens: %d }
            strategy:
              parallelism: { tp: 1, attention-dp: 2, ep: 2 }
              scheduler: { max-batched-tokens: 8192 }
              max-model-len: 8192
              runtime: { cuda-graphs: %s }
            outputs: { charts: false }
            """;

    private static Map<String, Object> attentionDp(Path dir, int outputTokens, boolean graphs) throws IOException {
        Path f = dir.resolve("adp.yaml");
        Files.writeString(f, String.format(ATTENTION_DP, outputTokens, graphs));
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(f, List.of()), RunLimits.NONE, null);
        assertTrue(r.complete());
        return r.summary();
    }

    @SuppressWarnings("unchecked")
    private static double hostCoreSeconds(Map<String, Object> summary) {
        Map<String, Object> m = (Map<String, Object>) summary.get("metrics");
        return (Double) m.get("host_thread_utilisation") * 2 * (Double) summary.get("simulated_time_s");
    }

    @Test
    void eachAttentionGroupLaunchesAndPreparesItsOwnSequences(@TempDir Path dir) throws IOException {
        // two prompts of 16 tokens on attention-dp 2 × EP2: one iteration, one prompt per group; each device launches
        // its group's dense kernels and the experts' (with dispatch and combine), and each group's first rank prepares
        // its one sequence — in parallel, so the host-bound iteration ends at one launch plus one group's serial part
        Map<String, Object> s = attentionDp(dir, 1, false);
        double launch = (DENSE_KERNELS + EXPERT_KERNELS + EP_KERNELS) * PER_KERNEL;
        double end = launch + serial(1, true);
        assertEquals(end, (Double) s.get("simulated_time_s"), 1e-9 * end);
        assertEquals(2 * end, hostCoreSeconds(s), 1e-9 * end);
    }

    @Test
    void cudaGraphsMakeAMoeDecodeStepOneLaunchPerDevice(@TempDir Path dir) throws IOException {
        // a second, decode-only iteration: with CUDA graphs each device's thread spends one 5 µs launch, and each group
        // leader the per-iteration and per-sequence overheads (no prefill overhead)
        Map<String, Object> s = attentionDp(dir, 2, true);
        double prefill = (DENSE_KERNELS + EXPERT_KERNELS + EP_KERNELS) * PER_KERNEL + serial(1, true);
        double decode = 5e-6 + serial(1, false);
        assertEquals(2 * (prefill + decode), hostCoreSeconds(s), 1e-9 * prefill);
    }
}
