package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving layouts that combine features one of which is modelled for a single stage or a whole device only —
 * pipeline stages with a mixture-of-experts (or latent-attention) model, with offload or with preemption by swap,
 * same-GPU phases with a MoE model — are refused with exit code 2 and one line located at the key that asks for it, not half-simulated.
 */
class ServingCombinationBadInputTest {
    @TempDir
    Path dir;

    private static final String BASE = """
            schema: xpusim/v1
            name: combination-bad
            seed: 1
            cluster:
              nodes: [ { template: %s, count: %d } ]
            model: %s
            workload:
              kind: serving
              arrivals: { process: poisson, rate: 5/s }
              input-tokens: { distribution: fixed, tokens: 100 }
              output-tokens: { distribution: fixed, tokens: 10 }
              requests: 5
            strategy:
            %s
              max-model-len: 2048
            outputs: { charts: false }
            """;

    private void expect(String fragment, String location, String node, int nodes, String model, String strategy)
            throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(BASE, node, nodes, model, strategy));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"validate", f.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(2, code, err.toString());
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("Exception"), e);
        assertTrue(e.contains(fragment), e);
        assertTrue(e.contains(location), "located at " + location + ": " + e);
    }

    @Test
    void pipelineStagesWithAMixtureOfExpertsModelAreRefusedAtPp() throws IOException {
        // the routed experts run per iteration over all MoE layers (ExpertExecution), not per pipeline stage
        expect("pipeline parallelism with a mixture-of-experts model ('mixtral-8x7b') is not supported yet", "s.yaml:14:",
                "dgx-h100", 1, "mixtral-8x7b", "  parallelism: { tp: 4, pp: 2 }");
        expect("pipeline parallelism with a mixture-of-experts model ('mixtral-8x7b') is not supported yet", "s.yaml:14:",
                "dgx-h100", 1, "mixtral-8x7b", "  parallelism: { tp: 2, pp: 2, attention-dp: 2, ep: 4 }");
        // the same in a disaggregation pool's group, at that group's pp
        expect("pipeline parallelism with a mixture-of-experts model ('qwen3-30b-a3b') is not supported yet",
                "s.yaml:15:40", "dgx-h100", 1, "qwen3-30b-a3b", "  disaggregation:\n"
                        + "    prefill: { replicas: 1, tp: 2, pp: 2 }\n"
                        + "    decode: { replicas: 1, tp: 4 }");
    }

    @Test
    void pipelineStagesWithOffloadAreRefusedAtOffload() throws IOException {
        // weight streaming and host attention are modelled for one stage's devices (OffloadWork)
        expect("offloading with pipeline parallelism (pp=2) is not supported yet", "s.yaml:15:", "dgx-h100", 1,
                "llama-3-8b", "  parallelism: { tp: 1, pp: 2 }\n  offload: { weights: cpu }");
    }

    @Test
    void pipelineStagesWithPreemptionBySwapAreRefusedAtTheSwapKey() throws IOException {
        // KvSwapper moves one engine's KV over one stage's ranks; pp engines each hold 1/pp of the blocks on pp stages
        expect("preemption by swap with pipeline parallelism (pp=2) is not supported yet", "s.yaml:15:", "dgx-h100", 1,
                "llama-3-8b", "  parallelism: { tp: 1, pp: 2 }\n  scheduler: { policy: vllm, preemption: swap }");
    }

    @Test
    void sameGpuPhasesOfAMixtureOfExpertsModelAreRefusedAtTheMode() throws IOException {
        // a compute share applies to one activity of kernels; the expert and all-to-all chain is not split by it
        expect("same-GPU disaggregation of a mixture-of-experts model ('mixtral-8x7b') is not supported yet",
                "s.yaml:15:", "dgx-h100", 1, "mixtral-8x7b",
                "  parallelism: { tp: 8 }\n  disaggregation: { mode: same-gpu, prefill-share: 0.5 }");
    }

    @Test
    void aMixtureOfExpertsPoolOfItsOwnDevicesStillLoads() throws IOException {
        // the pools keep main's per-pool attention-dp and ep (DeepSeek-style EP pools): this one is valid
        Path f = dir.resolve("ok.yaml");
        Files.writeString(f, String.format(BASE, "dgx-h100", 1, "qwen3-30b-a3b", "  disaggregation:\n"
                + "    prefill: { replicas: 1, tp: 1, attention-dp: 4, ep: 4 }\n"
                + "    decode: [ { replicas: 1, tp: 1, attention-dp: 4, ep: 4 } ]"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"validate", f.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("attention-dp=4 ep=4"), out.toString());
    }
}
