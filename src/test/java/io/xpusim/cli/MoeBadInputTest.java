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

/** Impossible mixture-of-experts serving configurations end with exit code 2 and one located line. */
class MoeBadInputTest {
    @TempDir
    Path dir;

    private static final String BASE = """
            schema: xpusim/v1
            name: moe-bad
            seed: 1
            cluster:
              nodes: [ { template: dgx-h100, count: %d } ]
            model: %s
            workload:
              kind: serving
              arrivals: { process: poisson, rate: 5/s }
              input-tokens: { distribution: fixed, tokens: 100 }
              output-tokens: { distribution: fixed, tokens: 10 }
              requests: 5
            strategy:
              parallelism: %s
              max-model-len: 4096
            %s
            outputs: { charts: false }
            """;

    private String[] err(int nodes, String model, String parallelism, String extra) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(BASE, nodes, model, parallelism, extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"validate", f.toString()}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(2, code, err.toString());
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("Exception"), e);
        return new String[] {e};
    }

    private void expect(String fragment, String location, int nodes, String model, String par, String extra)
            throws IOException {
        String e = err(nodes, model, par, extra)[0];
        assertTrue(e.contains(fragment), e);
        assertTrue(e.contains(location), "located at " + location + ": " + e);
    }

    @Test
    void expertParallelDegreeMustCoverTheReplica() throws IOException {
        expect("ep=4 must be 1 (tensor-parallel experts) or attention-dp × tp = 1 × 8 = 8", "s.yaml:14:",
                1, "mixtral-8x7b", "{ tp: 8, ep: 4 }", "");
        expect("attention-dp=8 needs expert parallelism", "s.yaml:14:", 1, "mixtral-8x7b", "{ tp: 1, attention-dp: 8 }", "");
    }

    @Test
    void moeKeysOnADenseModelAreRefused() throws IOException {
        expect("'strategy.parallelism.ep' applies to mixture-of-experts models; llama-3-8b is dense", "s.yaml:14:",
                1, "llama-3-8b", "{ tp: 8, ep: 8 }", "");
        expect("'strategy.moe' applies to mixture-of-experts models", "s.yaml:16:", 1, "llama-3-8b", "{ tp: 1 }",
                "  moe: { placement: load-balanced }");
    }

    @Test
    void placementMistakesSayWhatToChange() throws IOException {
        expect("needs a placement that replicates experts, not round-robin", "s.yaml:16:", 1, "mixtral-8x7b",
                "{ tp: 8, ep: 8 }", "  moe: { redundant-experts: 8 }");
        expect("256 experts + 4 redundant do not split evenly over ep=16 ranks", "s.yaml:16:", 2, "deepseek-v3",
                "{ tp: 1, attention-dp: 16, ep: 16 }", "  moe: { placement: replicate-hot, redundant-experts: 4 }\n"
                        + "  precision: { weights: fp8 }");
        expect("unknown key 'strategy.moe.placment'", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 8 }",
                "  moe: { placment: load-balanced }");
    }

    @Test
    void expertParallelismAcrossNodesNeedsANetwork() throws IOException {
        expect("expert parallelism over 16 devices spans several dgx-h100 nodes of 8, but the cluster has no scale-out",
                "s.yaml:14:", 2, "qwen3-30b-a3b", "{ tp: 1, attention-dp: 16, ep: 16 }", "");
    }

    @Test
    void offloadingAMixtureOfExpertsModelIsRefusedAtTheOffloadKey() throws IOException {
        // weight streaming and host attention are modelled for dense layers (OffloadWork): MoE and MLA are refused
        expect("offloading a mixture-of-experts model ('mixtral-8x7b') is not supported yet", "s.yaml:16:", 1,
                "mixtral-8x7b", "{ tp: 8 }", "  offload: { weights: cpu }");
        expect("offloading a mixture-of-experts model ('deepseek-v3') is not supported yet", "s.yaml:16:", 1,
                "deepseek-v3", "{ tp: 8 }", "  offload: { attention: cpu }");
    }

    @Test
    void aRoutingTraceIsCheckedLineByLine() throws IOException {
        Files.writeString(dir.resolve("r.csv"), "layer,expert,tokens\n0,1,5\n0,9,5\n");
        expect("r.csv:3:3: expert 9 does not exist (the model has 8 routed experts, 0 to 7)", "r.csv:3:3", 1,
                "mixtral-8x7b", "{ tp: 8 }", "  moe: { routing: { trace: r.csv } }");
        expect("'strategy.moe.routing.skew' is for the synthetic router", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 8 }",
                "  moe: { routing: { trace: r.csv, skew: 1 } }");
    }

    @Test
    void expertOffloadingMistakesAreLocated() throws IOException {
        String cache = "cache: { experts-per-layer: 1 }";
        expect("expert offloading runs with tensor-parallel experts (ep 1, attention-dp 1)", "s.yaml:16:", 1,
                "mixtral-8x7b", "{ tp: 8, ep: 8 }", "  moe: { offload: { " + cache + " } }");
        expect("needs its size as exactly one of experts-per-layer", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { cache: { policy: lru } } }");
        expect("unknown value 'fifo' for 'strategy.moe.offload.cache.policy' (known: lfu, lru)", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { cache: { policy: fifo, experts: 3 } } }");
        expect("cold-precision fp8 is not below the weights' fp8", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { " + cache + ", cold-precision: fp8 } }\n  precision: { weights: fp8 }");
        expect("cpu-compute needs the experts in host DRAM", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { tier: nvme, " + cache + ", cpu-compute: true } }");
        expect("has no memory tier 'nvme' for strategy.moe.offload.tier", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { tier: nvme, " + cache + " } }");
        expect("'strategy.moe.offload.prefetch.accuracy' is 1.5; it must be between 0 and 1", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { " + cache + ", prefetch: { accuracy: 1.5 } } }");
        expect("expert offloading with prefill/decode disaggregation is not supported", "s.yaml:16:", 1, "mixtral-8x7b",
                "{ tp: 1 }", "  moe: { offload: { " + cache + " } }\n  disaggregation: { prefill: { replicas: 1, tp: 1 }, "
                        + "decode: { replicas: 1, tp: 1 } }");
        // 8 experts per layer on one H100 at bf16 is the whole 93 GB model
        expect("the expert cache holds 256 experts and 4 staging slots", "s.yaml:16:", 1, "mixtral-8x7b", "{ tp: 1 }",
                "  moe: { offload: { cache: { experts-per-layer: 8 } } }");
    }
}
