package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.IterationPoint;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CPU–GPU coupling (issue 6): the host thread's launch time against the GPU's kernel time of one prefill iteration of
 * Llama-3.2-1B (scenarios/study/host-bound-prefill-h100-pcie-vs-gh200.yaml), hand-computed from the profiles, and
 * host threads sharing too few cores.
 */
class HostCouplingTest {
    private static final Path STUDY = Path.of("scenarios/study/host-bound-prefill-h100-pcie-vs-gh200.yaml");
    /** Llama-3.2-1B, 16 layers: 10 kernels per layer + embedding, final norm, LM head, sampling; no all-reduce at tp 1. */
    private static final int KERNELS = 16 * 10 + 4;
    private static final int FUSED_KERNELS = 16 * 5 + 3;

    /** Host launch time of one iteration: kernels × (CPU launch + 40 µs framework / single-thread speed). */
    private static double host(int kernels, double launchMicros, double speed) {
        return kernels * (launchMicros + 40 / speed) * 1e-6;
    }

    /**
     * GPU time of a prefill of b prompts of 128 tokens, by hand from the device profile: per layer four GEMMs of
     * 60.8 M weights (2048×3072 QKV, 2048×2048 O, 2048×16384 gate-up, 8192×2048 down), each the longer of
     * 2·t·in·out / (peak · eff · t/(t + half)) and its weight + activation bytes / achieved bandwidth; causal attention
     * 4·32 heads·64·b·128·129/2 FLOPs / (peak · 0.332); element-wise operators and the once-per-iteration ones
     * memory-bound; the LM head reads its 2048 × 128256 weights for b sampled rows.
     */
    private static double gpu(int b, double peak, double eff, double half, double bw) {
        double t = 128.0 * b;
        double h = 2048;
        double ffn = 8192;
        double[][] gemms = {{h, 3072}, {h, h}, {h, 2 * ffn}, {ffn, h}};
        double layer = 0;
        for (double[] g : gemms) {
            double flops = 2 * t * g[0] * g[1];
            double bytes = g[0] * g[1] * 2 + t * (g[0] + g[1]) * 2;
            layer += Math.max(flops / (peak * eff * t / (t + half)), bytes / bw);
        }
        double attnFlops = 4 * 32 * 64 * b * (128 * 129 / 2.0);
        double attnBytes = 2 * t * 512 * 2 + 2 * t * 2048 * 2;
        layer += Math.max(attnFlops / (peak * 0.332), attnBytes / bw);
        // input norm 2th, rope + KV write 2t(q+kv)+2t·kv, post norm 3th, activation 3t·ffn, residual 3th (× 2 B)
        double elementwise = 2 * (2 * t * h + 2 * t * (2048 + 512) + 2 * t * 512 + 3 * t * h + 3 * t * ffn + 3 * t * h);
        layer += elementwise / bw;
        double lmHead = Math.max(2 * b * h * 128256 / (peak * eff * b / (b + half)), (h * 128256 * 2 + b * (h + 128256) * 2) / bw);
        double once = t * h * 4 / bw + 2 * b * h * 2 / bw + lmHead + 2 * b * 128256 * 4 / bw;
        return 16 * layer + once;
    }

    /** The batch (real) at which gpu(b) reaches host, by bisection. */
    private static double crossing(double host, double peak, double eff, double half, double bw) {
        double lo = 1;
        double hi = 64;
        for (int i = 0; i < 60; i++) {
            double mid = Math.sqrt(lo * hi);
            if (gpuReal(mid, peak, eff, half, bw) < host) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** gpu() interpolated between integer batches, linear in log b as the simulated crossover is. */
    private static double gpuReal(double b, double peak, double eff, double half, double bw) {
        int a = (int) Math.floor(b);
        double ga = Math.log(gpu(a, peak, eff, half, bw));
        double gb = Math.log(gpu(a + 1, peak, eff, half, bw));
        double f = (Math.log(b) - Math.log(a)) / (Math.log(a + 1) - Math.log(a));
        return Math.exp(ga + f * (gb - ga));
    }

    private static RunResult run(Path dir, List<String> overrides) throws IOException {
        // every batch from 1 to 40, so the crossover is interpolated between neighbours
        String batches = IntStream.rangeClosed(1, 40).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        Path f = dir.resolve("study.yaml");
        Files.writeString(f, Files.readString(STUDY).replace("[1, 2, 4, 8, 16, 32, 64, 128]", "[" + batches + "]"));
        return ScenarioRunner.simulate(ScenarioLoader.load(f, overrides), RunLimits.NONE, null);
    }

    @SuppressWarnings("unchecked")
    private static double crossover(RunResult r, int group) {
        List<Object> groups = (List<Object>) ((Map<String, Object>) r.summary().get("metrics")).get("node_groups");
        return (Double) ((Map<String, Object>) groups.get(group)).get("crossover_batch");
    }

    @Test
    void prefillTurnsGpuBoundWhereGpuTimeReachesHostLaunchTime(@TempDir Path dir) throws IOException {
        RunResult r = run(dir, List.of());
        // h100-pcie: 756 TFLOP/s bf16 × 0.661, half rows 189, 2.0 TB/s × 0.85; host xeon-8480plus 5 µs launch, speed 1.56
        double hostPcie = host(KERNELS, 5, 1.56);
        // gh200: 989 × 0.838, half rows 124, 4.0 TB/s × 0.85; host grace 4 µs launch, speed 1.19
        double hostGh = host(KERNELS, 4, 1.19);
        for (IterationPoint p : r.iterations()) {
            boolean pcie = p.group() == 0;
            assertEquals(pcie ? hostPcie : hostGh, p.hostLaunchSeconds(), 1e-9, "host launch at batch " + p.batch());
            double gpu = pcie ? gpu(p.batch(), 756e12, 0.661, 189, 2.0e12 * 0.85) : gpu(p.batch(), 989e12, 0.838, 124, 4.0e12 * 0.85);
            assertEquals(gpu, p.deviceSeconds(), 0.03 * gpu, p.node() + " GPU time at batch " + p.batch());
            assertTrue(p.iterationSeconds() >= Math.max(p.hostLaunchSeconds(), p.deviceSeconds()) + p.serialSeconds() - 1e-9);
        }
        double pcie = crossing(hostPcie, 756e12, 0.661, 189, 2.0e12 * 0.85);
        double gh = crossing(hostGh, 989e12, 0.838, 124, 4.0e12 * 0.85);
        assertEquals(pcie, crossover(r, 0), 0.03 * pcie, "H100 PCIe crossover");
        assertEquals(gh, crossover(r, 1), 0.03 * gh, "GH200 crossover");
        // the faster GPU on the slower core stays CPU-bound to a larger batch
        assertTrue(crossover(r, 1) > 2 * crossover(r, 0), crossover(r, 1) + " vs " + crossover(r, 0));
    }

    @Test
    void kernelFusionHalvesLaunchesAndLowersTheCrossover(@TempDir Path dir) throws IOException {
        RunResult plain = run(dir, List.of());
        RunResult fused = run(dir, List.of("strategy.runtime.kernel-fusion=true"));
        IterationPoint p = fused.iterations().get(0);
        assertEquals(host(FUSED_KERNELS, 5, 1.56), p.hostLaunchSeconds(), 1e-9);
        assertEquals(plain.iterations().get(0).deviceSeconds(), p.deviceSeconds(), 1e-12, "fusion changes launches only");
        assertTrue(crossover(fused, 0) < 0.6 * crossover(plain, 0), crossover(fused, 0) + " vs " + crossover(plain, 0));
    }

    @Test
    void impossibleSweepsAreLocatedErrors(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, Files.readString(STUDY).replace("[1, 2, 4, 8, 16, 32, 64, 128]", "[1, 4, 2]"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.xpusim.scenario.ScenarioException.class,
                () -> ScenarioLoader.load(f, List.of()));
        assertTrue(e.userMessage().contains(":19:23:") && e.getMessage().contains("must increase"), e.userMessage());
        var tp = org.junit.jupiter.api.Assertions.assertThrows(io.xpusim.scenario.ScenarioException.class,
                () -> ScenarioLoader.load(STUDY, List.of("strategy.parallelism.tp=2")));
        assertTrue(tp.getMessage().contains("tp must be 1"), tp.getMessage());
        var big = org.junit.jupiter.api.Assertions.assertThrows(io.xpusim.scenario.ScenarioException.class,
                () -> ScenarioLoader.load(STUDY, List.of("iteration.prompt-tokens=1024")));
        assertTrue(big.getMessage().contains("exceeds the scheduler's max-batched-tokens"), big.getMessage());
    }

    private static final String SHARED = """
            schema: xpusim/v1
            name: shared-host
            seed: 1
            cluster:
              nodes:
                - template:
                    name: h100-box
                    devices: { profile: h100-sxm, count: 4 }
                    scale-up: { link: nvlink4, topology: switch }
                    cpus:
                      profile:
                        name: one-core
                        kind: cpu
                        peak-flops: { fp32: 0.1 TFLOP/s }
                        memory: ddr5-4800-8ch
                        efficiency: { gemm: 0.5, gemm-half-rows: 10 }
                        tdp: 10 W
                        price-per-hour-usd: 0
                        cores: %d
                        kernel-launch: 5us
                        single-thread-speed: 1.0
                        sources: { peak-flops: "test", efficiency: "test", tdp: "test", price-per-hour-usd: "test", cores: "test", kernel-launch: "test", single-thread-speed: "test" }
                      count: 1
                    host-memory: { profile: ddr5-4800-8ch, count: 1 }
                    host-link: pcie-gen5-x16
                    price-per-hour-usd: 1
                    sources: { devices: "test", scale-up: "test", cpus: "test", host-memory: "test", host-link: "test", price-per-hour-usd: "test" }
                  count: 1
            model: llama-3.2-1b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 4
              input-tokens: { distribution: fixed, tokens: 16 }
              output-tokens: { distribution: fixed, tokens: 1 }
            strategy:
              replicas: 4
              scheduler: { max-batched-tokens: 8192 }
              max-model-len: 8192
            outputs: { charts: false }
            """;

    @Test
    void hostThreadsSharingOneCoreTakeFourTimesAsLong(@TempDir Path dir) throws IOException {
        double[] ttft = new double[2];
        int[] cores = {4, 1};
        for (int i = 0; i < 2; i++) {
            Path f = dir.resolve("shared" + i + ".yaml");
            Files.writeString(f, String.format(SHARED, cores[i]));
            RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(f, List.of()), RunLimits.NONE, null);
            ttft[i] = r.recorder().requests().stream().mapToDouble(RequestRecord::ttftSeconds).max().orElseThrow();
        }
        // four replicas start their one-prompt prefill at t = 0: each host thread launches 164 kernels × 45 µs, then
        // runs 1 ms + 0.25 ms + 20 ms of serial overheads; the GPU's 0.9 ms is shorter. Four cores: one each; one
        // core: a quarter each, so everything on the host takes four times as long.
        double alone = 164 * 45e-6 + 21.25e-3;
        assertEquals(alone, ttft[0], 1e-6 * alone);
        assertEquals(4 * alone, ttft[1], 1e-6 * alone);
    }
}
