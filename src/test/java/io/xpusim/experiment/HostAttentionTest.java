package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attention offload (FastDecode/FlexGen style, {@code strategy.offload: { attention: cpu }}): the KV cache lives in host
 * DRAM and decode attention runs on the host CPU, a roofline on the CPU profile — here bound by host memory bandwidth.
 * 32 sequences of Llama-3-8B with 4,000-token prompts decode on one H100 of a PCIe server, runtime overheads at zero.
 */
class HostAttentionTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: host-attention
            seed: 1
            cluster: { nodes: [ { template: h100-pcie-server, count: 1 } ] }
            model: llama-3-8b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 32
              input-tokens: { distribution: fixed, tokens: 4000 }
              output-tokens: { distribution: fixed, tokens: 65 }
            strategy:
              scheduler: { max-batched-tokens: 131072, max-seqs: 32 }
              max-model-len: 8192
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
              %s
            outputs: { charts: false }
            """;

    private static RunResult run(Path dir, String offload) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(SCENARIO, offload));
        return ScenarioRunner.simulate(ScenarioLoader.load(f, List.of()), RunLimits.NONE, null);
    }

    @Test
    void decodeStepIsKvBytesOverHostMemoryBandwidth(@TempDir Path dir) throws IOException {
        RunResult r = run(dir, "offload: { attention: cpu }");
        // a decode step at context c (4,001 … 4,064; mean 4,032.5 over the 64 steps) reads every sequence's KV:
        // 32 × c × 2·32 layers·8 KV heads·128·2 B = 32 × c × 131,072 B from the DDR5 of the socket the GPU hangs off
        // (each socket's DRAM is its own resource: 307.2 GB/s × 0.61 STREAM = 187.4 GB/s); its 4·32 heads·128·32·c·32
        // layers FLOPs take 19 ms on that socket's 56 cores (7.168 TFLOP/s × 0.5), so memory binds
        double bw = 307.2e9 * 0.61;
        double attention = 32 * 4032.5 * 131_072 / bw;
        // the device meanwhile reads its weights (16.06 GB less the 1.05 GB embedding table) at 2.0 TB/s × 0.85:
        // 8.8 ms, and the pipeline adds one layer of it (the shorter stage) as fill
        double gpu = (8_030_261_248.0 - 128_256.0 * 4096) * 2 / (2.0e12 * 0.85);
        double step = attention + gpu / 32;
        double tpot = r.recorder().requests().stream().mapToDouble(RequestRecord::tpotSeconds).average().orElseThrow();
        assertEquals(step, tpot, 0.02 * step, "per-token time: hand " + step + " s, simulated " + tpot + " s");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        // per step: q/k/v of 32 tokens (32 layers × (4096 + 2·1024) × 2 B) to the host, outputs (32 × 4096 × 2 B) back;
        // the prompts' KV (128,000 tokens × 131,072 B) to the host once
        double d2h = 64 * 32 * 32 * (4096 + 2 * 1024) * 2.0 + 128_000 * 131_072.0;
        assertEquals(d2h, (Double) m.get("offload_d2h_bytes"), 1e-9 * d2h);
        assertEquals(64 * 32 * 32 * 4096 * 2.0, (Double) m.get("offload_h2d_bytes"), 1);
        // in memory_tiers the KV pages and everything sent down live in host DRAM; it is read by the attention's memory
        // traffic (per sequence and step its c tokens of KV, 131,072 B each, plus its q and output, 2 × 32 × 4096 × 2 B)
        // and the outputs sent back
        @SuppressWarnings("unchecked")
        Map<String, Object> cpu = ((List<Map<String, Object>>) m.get("memory_tiers")).stream()
                .filter(t -> t.get("tier").equals("cpu")).findFirst().orElseThrow();
        double kvRead = 64 * 32 * (4032.5 * 131_072 + 2 * 32 * 4096 * 2.0);
        assertEquals(kvRead + (Double) m.get("offload_h2d_bytes"), (Double) cpu.get("read_bytes"), 1e-6 * kvRead);
        assertEquals(d2h, (Double) cpu.get("write_bytes"), 1e-9 * d2h);
        // the device waits for the host in every decode step: the step less its own 8.8 ms (and nothing in the prefill,
        // whose 128,000-token compute hides the KV copy)
        double stall = 64 * (step - gpu);
        assertEquals(stall, (Double) m.get("offload_stall_s"), 0.03 * stall);

        RunResult gpuOnly = run(dir, "");
        @SuppressWarnings("unchecked")
        Map<String, Object> g = (Map<String, Object>) gpuOnly.summary().get("metrics");
        assertEquals(g.get("output_tokens_completed"), m.get("output_tokens_completed"), "same tokens either way");
        assertEquals(0.0, (Double) g.get("offload_stall_s"));
    }
}
