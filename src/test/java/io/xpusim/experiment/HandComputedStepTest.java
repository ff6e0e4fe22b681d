package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One request alone on one H100 SXM running Llama-3-8B in bf16, with the runtime's host overheads set to
 * zero so the device physics shows: decode is memory-bound, a long prefill compute-bound. Expected values
 * are computed by hand from the profile numbers below.
 */
class HandComputedStepTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: hand-computed
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 1
              input-tokens: { distribution: fixed, tokens: %d }
              output-tokens: { distribution: fixed, tokens: %d }
            strategy:
              parallelism: { tp: 1 }
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
            outputs: { charts: false }
            """;

    private static RequestRecord runOne(Path dir, int input, int output) throws IOException {
        return runOne(dir, input, output, "");
    }

    private static RequestRecord runOne(Path dir, int input, int output, String extraStrategy) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(SCENARIO, input, output).replace("  parallelism: { tp: 1 }\n",
                "  parallelism: { tp: 1 }\n" + extraStrategy));
        RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(f, List.of()), RunLimits.NONE, null);
        return r.recorder().requests().get(0);
    }

    @Test
    void batchOneDecodeIsWeightBytesOverAchievedHbmBandwidth(@TempDir Path dir) throws IOException {
        RequestRecord r = runOne(dir, 1000, 101);
        // Llama-3-8B: 8,030,261,248 parameters × 2 B = 16.06 GB of bf16 weights, all read every step
        // (the embedding table is only gathered: 128,256 × 4,096 × 2 B = 1.05 GB not read, but the LM head is).
        double weightsRead = (8_030_261_248.0 - 128_256.0 * 4096) * 2;
        // KV read per step ≈ context × 131,072 B (2·32 layers·8 heads·128·2 B); mean context ≈ 1,050 tokens
        double kvRead = 1050 * 131_072.0;
        // achieved HBM bandwidth: 3.35 TB/s × 0.89 (STREAM triad / peak, hbm3-h100-80gb profile)
        double expected = (weightsRead + kvRead) / (3.35e12 * 0.89);
        // host side: 324 kernels × 5 µs launch = 1.6 ms < 5.4 ms of device time, so the device bounds the step
        assertEquals(expected, r.tpotSeconds(), 0.03 * expected, "TPOT ≈ bytes / achieved bandwidth (±3%)");
    }

    @Test
    void longPrefillIsFlopsOverAchievedBf16Throughput(@TempDir Path dir) throws IOException {
        RequestRecord r = runOne(dir, 8000, 2);
        int t = 8000;
        // linear layers per layer: qkv 4096×6144 + o 4096×4096 + MLP 3×4096×14336 = 218,103,808 parameters
        double linearFlops = 2.0 * t * 218_103_808 * 32;
        // GEMM efficiency at 8,000 rows: 0.803 × 8000 / (8000 + 148) = 0.7884 of 989 TFLOP/s
        double gemm = linearFlops / (989e12 * 0.803 * t / (t + 148.0));
        // causal attention: 4 · heads · head_dim · t(t+1)/2 per layer, at the flash-attention fraction 0.332
        double attention = 4.0 * 32 * 128 * (t * (t + 1) / 2.0) * 32 / (989e12 * 0.332);
        // element-wise kernels are memory-bound: per layer, bytes = t·2 B·(input norm 2h + rope 2(q+kv) + KV write 2kv
        // + post-attention norm 3h + SwiGLU activation 3·ffn + residual 3h) = 8000·2·88,064 = 1.409 GB
        double elementwise = 8000 * 2.0 * (8 * 4096 + 2 * 4096 + 4 * 1024 + 3 * 14336) * 32 / (3.35e12 * 0.89);
        double expected = gemm + attention + elementwise; // ≈ 146.5 + 47.8 + 15.1 ms; the LM head adds < 0.1 ms
        assertEquals(expected, r.ttftSeconds(), 0.03 * expected, "TTFT ≈ FLOPs / achieved throughput (±3%)");
    }

    @Test
    void measuredTableReplacesTheRoofline(@TempDir Path dir) throws IOException {
        StringBuilder table = new StringBuilder("operator,rows,seconds\n");
        for (String op : new String[] {"input-norm", "qkv-proj", "rope-kv-write", "decode-attention", "o-proj", "post-attn-norm",
            "gate-up-proj", "activation", "down-proj", "residual-add", "embedding", "final-norm", "lm-head", "sampling"}) {
            table.append(op).append(",1,10e-6\n").append(op).append(",1000,10e-6\n");
        }
        Files.writeString(dir.resolve("costs.csv"), table.toString());
        RequestRecord r = runOne(dir, 100, 11, "  measured-costs: costs.csv\n");
        // a decode step: 32 layers × 10 operators + 4 once-per-iteration operators, 10 µs each = 3.24 ms;
        // the host's 324 launches × 5 µs = 1.62 ms hide behind it
        assertEquals(3.24e-3, r.tpotSeconds(), 1e-9);
    }
}
