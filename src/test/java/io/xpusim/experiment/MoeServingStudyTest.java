package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The two MoE serving studies of the README: EP vs TP for Mixtral on one DGX H100, and DeepSeek-R1 with
 * disaggregated prefill/decode and EP16 pools on four DGX H100, against published DeepSeek and SGLang numbers.
 */
class MoeServingStudyTest {
    private static final Path MIXTRAL = Path.of("scenarios/study/mixtral-ep-vs-tp-dgx-h100.yaml");
    private static final Path DEEPSEEK = Path.of("scenarios/study/deepseek-r1-disagg-4x-dgx-h100.yaml");
    private static final Path SUPERNODE = Path.of("scenarios/study/deepseek-r1-disagg-cloudmatrix384.yaml");

    private static RunResult run(Path file, String... overrides) {
        Scenario s = ScenarioLoader.load(file, List.of(overrides));
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        assertTrue(r.complete());
        return r;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> moe(RunResult r) {
        return (Map<String, Object>) metrics(r).get("moe");
    }

    private static double throughput(RunResult r) {
        return (Double) metrics(r).get("throughput_output_tokens_per_s");
    }

    @Test
    void mixtralExpertParallelismPaysForSkewWhereTensorParallelismDoesNot() {
        RunResult tp = run(MIXTRAL);
        RunResult tpEp = run(MIXTRAL, "strategy.parallelism.ep=8");
        RunResult dpEp = run(MIXTRAL, "strategy.parallelism.tp=1", "strategy.parallelism.attention-dp=8",
                "strategy.parallelism.ep=8");
        // Zipf 0.5 over 8 experts, top-2: the hottest expert gets 2 / Σ r^-0.5 = 2 / 4.3711 = 0.4576 of the tokens
        // against 0.25 on average — one expert per GPU, so its GPU does 1.83× the mean rank's expert work
        double imbalance = (2 / 4.371220) / 0.25;
        assertEquals(imbalance, (Double) moe(tpEp).get("rank_imbalance"), 0.03 * imbalance);
        assertEquals(1.0, (Double) moe(tp).get("rank_imbalance"), 1e-12); // tensor-parallel experts: one "rank"
        // TP8 attention with EP8 experts reads the same expert bytes as TP8 but waits for the hot expert's GPU and
        // pays the all-to-alls: clearly slower (measured 0.78×)
        double ratio = throughput(tpEp) / throughput(tp);
        assertTrue(ratio > 0.65 && ratio < 0.90, "TP8+EP8 / TP8 throughput " + ratio);
        // attention-DP8 + EP8 saves every all-reduce but reads the whole attention on every GPU: about even with TP8
        // (measured +3%)
        double dp = throughput(dpEp) / throughput(tp);
        assertTrue(dp > 0.90 && dp < 1.15, "DP8+EP8 / TP8 throughput " + dp);
        assertTrue((Double) moe(dpEp).get("all_to_all_time_s") > 0);
        assertEquals(0.0, (Double) moe(tp).get("all_to_all_time_s"), 0);
        assertTrue(moe(tp).containsKey("expert_cache_hit_rate") && moe(tp).get("expert_cache_hit_rate") == null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void deepSeekR1DisaggregatedOnFourDgxH100() {
        RunResult r = run(DEEPSEEK);
        Map<String, Object> m = metrics(r);
        assertEquals(2048L, m.get("requests_completed"));
        // the prompt KV moved is the MLA latent: 2,048 prompts × 2,000 tokens × 61 · (512 + 64) · 2 B, once
        // (tp 1 at both ends: each request lives on one attention group)
        assertEquals(2048.0 * 2000 * 70_272, (Double) m.get("kv_transfer_bytes"), 1);
        Map<String, Object> roles = (Map<String, Object>) moe(r).get("per_role");
        Map<String, Object> prefill = (Map<String, Object>) roles.get("prefill");
        Map<String, Object> decode = (Map<String, Object>) roles.get("decode");
        assertEquals(16L, prefill.get("ep"));
        double prefillPerGpu = (Double) prefill.get("prefill_tokens_per_busy_s_per_device");
        double decodePerGpu = (Double) decode.get("decode_tokens_per_busy_s_per_device");
        // SGLang (96 H100, EP32 prefill): 50,302 input tokens/s per node for 4k prompts = 6,288 per GPU; measured
        // 8,848 (+41%): the band allows 0.8× to 2× of it
        assertTrue(prefillPerGpu > 0.8 * 6288 && prefillPerGpu < 2 * 6288, "prefill tokens/s per GPU " + prefillPerGpu);
        // SGLang decode (EP72): 22,282 output tokens/s per node = 2,785 per GPU; DeepSeek (H800, EP144, average
        // production load): 14.8k per node = 1,850 per GPU. Here EP16 holds 17 experts per GPU and reads them all
        // every step, and only ~11 GB per GPU is left for KV: measured 1,061, below both (band 0.2× to 1× of SGLang)
        assertTrue(decodePerGpu > 0.2 * 2785 && decodePerGpu < 2785, "decode tokens/s per GPU " + decodePerGpu);
        Map<String, Object> tpot = (Map<String, Object>) m.get("tpot_s");
        double p50 = (Double) tpot.get("p50");
        assertTrue(p50 > 0.030 && p50 < 0.100, "TPOT p50 " + p50);
        // balanced routing with replicate-hot: little imbalance left between ranks
        assertTrue((Double) prefill.get("rank_imbalance") < 1.1);
        assertTrue((Double) moe(r).get("all_to_all_bytes") > 0);
        // half of every prefill dispatch crosses the 400 Gb/s NICs: a quarter of prefill time is unhidden all-to-all
        assertTrue((Double) prefill.get("all_to_all_time_share") > 0.15, "DGX prefill all-to-all share");
    }

    @Test
    @SuppressWarnings("unchecked")
    void deepSeekR1OnTheSupernodeHidesItsAllToAll() {
        RunResult r = run(SUPERNODE);
        Map<String, Object> m = metrics(r);
        assertEquals(2048L, m.get("requests_completed"));
        assertEquals(2048.0 * 2000 * 70_272, (Double) m.get("kv_transfer_bytes"), 1);
        Map<String, Object> roles = (Map<String, Object>) moe(r).get("per_role");
        Map<String, Object> prefill = (Map<String, Object>) roles.get("prefill");
        Map<String, Object> decode = (Map<String, Object>) roles.get("decode");
        // every NPU has its own 392 GB/s port into the non-blocking Unified Bus: the dispatch hides behind compute
        assertTrue((Double) prefill.get("all_to_all_time_share") < 0.05, "supernode prefill all-to-all share");
        // CloudMatrix-Infer (arXiv 2506.12708): 6,688 prefill and 1,943 decode tokens/s per NPU (decode at EP320 over
        // 160 NPUs, TPOT < 50 ms); measured here with 16-NPU pools: 9,894 (+48%) and 1,095 (−44%)
        double prefillPerNpu = (Double) prefill.get("prefill_tokens_per_busy_s_per_device");
        double decodePerNpu = (Double) decode.get("decode_tokens_per_busy_s_per_device");
        assertTrue(prefillPerNpu > 0.8 * 6688 && prefillPerNpu < 2 * 6688, "prefill tokens/s per NPU " + prefillPerNpu);
        assertTrue(decodePerNpu > 0.2 * 1943 && decodePerNpu < 1943, "decode tokens/s per NPU " + decodePerNpu);
    }
}
