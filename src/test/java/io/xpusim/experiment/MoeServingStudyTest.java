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
 * The MoE serving studies of the README: EP vs TP for Mixtral on one DGX H100; DeepSeek-R1 with disaggregated
 * prefill/decode and EP16 pools on four DGX H100 and on 32 NPUs of a CloudMatrix384, against published DeepSeek and
 * SGLang numbers; DeepSeek-R1 on a whole CloudMatrix384 at EP160 (the paper's EP320 over dies); Mixtral offloaded.
 */
class MoeServingStudyTest {
    private static final Path MIXTRAL = Path.of("scenarios/study/mixtral-ep-vs-tp-dgx-h100.yaml");
    private static final Path DEEPSEEK = Path.of("scenarios/study/deepseek-r1-disagg-4x-dgx-h100.yaml");
    private static final Path SUPERNODE = Path.of("scenarios/study/deepseek-r1-disagg-cloudmatrix384.yaml");
    private static final Path FLAGSHIP = Path.of("scenarios/study/deepseek-r1-disagg-ep160-cloudmatrix384.yaml");
    private static final Path OFFLOAD = Path.of("scenarios/study/mixtral-offload-l4.yaml");

    static RunResult run(Path file, String... overrides) {
        Scenario s = ScenarioLoader.load(file, List.of(overrides));
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        assertTrue(r.complete());
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> moe(RunResult r) {
        return (Map<String, Object>) metrics(r).get("moe");
    }

    /** The moe.per_role block of one pool ("prefill" or "decode"). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> role(RunResult r, String name) {
        return (Map<String, Object>) ((Map<String, Object>) moe(r).get("per_role")).get(name);
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
        Map<String, Object> prefill = role(r, "prefill");
        Map<String, Object> decode = role(r, "decode");
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
        Map<String, Object> prefill = role(r, "prefill");
        Map<String, Object> decode = role(r, "decode");
        // every NPU has its own 392 GB/s port into the non-blocking Unified Bus: the dispatch hides behind compute
        assertTrue((Double) prefill.get("all_to_all_time_share") < 0.05, "supernode prefill all-to-all share");
        // CloudMatrix-Infer (arXiv 2506.12708): 6,688 prefill and 1,943 decode tokens/s per NPU (decode at EP320 over
        // 160 NPUs, TPOT < 50 ms); measured here with 16-NPU pools: 9,894 (+48%) and 1,095 (−44%)
        double prefillPerNpu = (Double) prefill.get("prefill_tokens_per_busy_s_per_device");
        double decodePerNpu = (Double) decode.get("decode_tokens_per_busy_s_per_device");
        assertTrue(prefillPerNpu > 0.8 * 6688 && prefillPerNpu < 2 * 6688, "prefill tokens/s per NPU " + prefillPerNpu);
        assertTrue(decodePerNpu > 0.2 * 1943 && decodePerNpu < 1943, "decode tokens/s per NPU " + decodePerNpu);
    }

    @Test
    @SuppressWarnings("unchecked")
    void deepSeekR1OnAWholeSupernodeAtEp160() {
        RunResult r = run(FLAGSHIP);
        Map<String, Object> m = metrics(r);
        assertEquals(15360L, m.get("requests_completed"));
        assertEquals(15360.0 * 2000 * 70_272, (Double) m.get("kv_transfer_bytes"), 1);
        Map<String, Object> prefill = role(r, "prefill");
        Map<String, Object> decode = role(r, "decode");
        assertEquals(16L, prefill.get("ep"));
        assertEquals(160L, decode.get("ep"));
        // each of 160 NPUs has its own UB port: the EP160 dispatch and combine hide behind the two micro-batches
        assertTrue((Double) decode.get("all_to_all_time_share") < 0.05, "EP160 decode all-to-all share");
        assertTrue((Double) decode.get("all_to_all_bytes") > 0);
        Map<String, Object> tpot = (Map<String, Object>) m.get("tpot_s");
        double p50 = (Double) tpot.get("p50");
        double p99 = (Double) tpot.get("p99");
        // a decode step reads the 22.2 GB of INT8 weights per NPU twice (two micro-batches) at 3.2 TB/s × 0.8: ≥ 17.4 ms;
        // the paper holds TPOT under 50 ms at this layout (measured p50 35.4, p99 36.7 ms)
        double weightsTwice = 2 * 22.226e9 / (3.2e12 * 0.8);
        assertTrue(p50 > weightsTwice && p99 < 0.050, "TPOT p50 " + p50 + ", p99 " + p99);
        // CloudMatrix-Infer (arXiv 2506.12708): 6,688 prefill and 1,943 decode tokens/s per NPU. Decode can not beat its
        // full batch (96 sequences per NPU, max-seqs 15,360 over 160) at the median step; the burst's ramp keeps it below
        // (measured 1,658, −15%). Prefill as in the 32-NPU study (measured 9,835, +47%): bands 0.5–1.5× and 0.8–2×
        double prefillPerNpu = (Double) prefill.get("prefill_tokens_per_busy_s_per_device");
        double decodePerNpu = (Double) decode.get("decode_tokens_per_busy_s_per_device");
        assertTrue(decodePerNpu < 96 / p50, "decode " + decodePerNpu + " above its full-batch rate " + 96 / p50);
        assertTrue(decodePerNpu > 0.5 * 1943 && decodePerNpu < 1.5 * 1943, "decode tokens/s per NPU " + decodePerNpu);
        assertTrue(prefillPerNpu > 0.8 * 6688 && prefillPerNpu < 2 * 6688, "prefill tokens/s per NPU " + prefillPerNpu);
    }

    private static double decodeTokensPerSecond(RunResult r) {
        return (Double) moe(r).get("decode_tokens_per_busy_s_per_device");
    }

    @Test
    void mixtralOnOneL4IsBoundByPcieTimesExpertSize() {
        // bf16 Mixtral on a 24 GB L4, a 1-expert LRU cache per layer, no prefetch: a token's 32 layers choose 64
        // experts, 1 − h of them missing, each 352,321,536 B over PCIe Gen4 x16 (26.1 GB/s achieved) = 13.48 ms.
        // TPOT is that transfer time plus the layers' compute (~3 ms each, not overlapped without prefetch) and the
        // eager runtime's host time
        RunResult fetch = run(OFFLOAD, "strategy.moe.offload.prefetch=");
        double h = (Double) moe(fetch).get("expert_cache_hit_rate");
        assertEquals(0.125, h, 0.01); // 1 cached of 8, 2 chosen, uniform routing: 2/8 · 1/2
        double transfer = 64 * (1 - h) * (3.0 * 4096 * 14336 * 2 / (31.5e9 * 0.83) + 2.11e-6);
        double tpot = ((Number) ((Map<?, ?>) metrics(fetch).get("tpot_s")).get("p50")).doubleValue();
        assertTrue(tpot > transfer && tpot < transfer + 0.15, "TPOT " + tpot + " vs transfers " + transfer);
        // Fiddler (arXiv 2402.07033): "over 3 tokens per second" for fp16 Mixtral on one 24 GB GPU by computing missed
        // experts on the CPU. Here the host is a whole Sapphire Rapids socket (187 GB/s achieved DRAM: 1.9 ms per
        // expert at one token), measured 8.4 tokens/s: bounded at 3–12
        RunResult cpu = run(OFFLOAD, "strategy.moe.offload.prefetch=", "strategy.moe.offload.cpu-compute=true");
        assertTrue(decodeTokensPerSecond(cpu) > 3 && decodeTokensPerSecond(cpu) < 12, "" + decodeTokensPerSecond(cpu));
        assertTrue(decodeTokensPerSecond(cpu) > 5 * decodeTokensPerSecond(fetch));
        // Mixtral-offloading (arXiv 2312.17238): 2–3 tokens/s on RTX 3060/T4-class GPUs with 2–3-bit experts;
        // int4 copies here (88 MB a fetch, 3.4 ms) with its 80%-accurate prefetch: measured 4.1 tokens/s, bounded 2.5–6
        RunResult int4 = run(OFFLOAD, "strategy.moe.offload.cold-precision=int4");
        assertTrue(decodeTokensPerSecond(int4) > 2.5 && decodeTokensPerSecond(int4) < 6, "" + decodeTokensPerSecond(int4));
        // a batch of 4 shares fetched experts: 4 tokens choose 8 · (1 − (6/8)^4) = 5.47 distinct experts a layer,
        // 1.37 per token instead of 2, so decode throughput grows ~1.46× (not 4×): measured 1.54×
        RunResult four = run(OFFLOAD, "workload.requests=16", "strategy.scheduler.max-seqs=4",
                "strategy.moe.offload.prefetch=");
        double gain = decodeTokensPerSecond(four) / decodeTokensPerSecond(fetch);
        assertTrue(gain > 1.3 && gain < 1.8, "batch 4 / batch 1 " + gain);
    }
}
