package io.xpusim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import io.xpusim.units.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Parameters, KV bytes and operator FLOPs/bytes of the catalogued MoE and MLA models, by hand. */
class MoeModelTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));
    private static final Precision BF16 = Precision.BF16;

    static ModelSpec model(String name) {
        return LIB.model(new YamlNode.Scalar(name, false, new Location("test", 1, 1)), "m").value();
    }

    private static Map<String, Operator> byName(List<Operator> ops) {
        return ops.stream().collect(Collectors.toMap(Operator::name, Function.identity()));
    }

    @Test
    void parameterCountsMatchThePublishedTotals() {
        ModelSpec mixtral = model("mixtral-8x7b");
        // per layer: attention 4096·(4096 + 2·1024) + 4096·4096 = 41,943,040; 8 experts · 3·4096·14336 = 1,409,286,144;
        // router 8·4096 = 32,768; norms 2·4096 → 1,451,270,144 · 32 = 46,440,644,608; + embeddings and head
        // 2 · 32000 · 4096 = 262,144,000; + final norm 4096 = 46,702,792,704 (the model card's exact count)
        assertEquals(46_702_792_704.0, mixtral.parameterCount(), 0);
        // active: 2 of 8 experts → 46,702,792,704 − 32 · 6 · 176,160,768 = 12,879,925,248 (12.9B)
        assertEquals(12_879_925_248.0, mixtral.activeParameterCount(), 0);

        ModelSpec v3 = model("deepseek-v3");
        // MLA per layer: q_a 7168·1536 + 1536 norm; q_b 1536·128·192; kv_a 7168·576 + 512 norm; kv_b 512·128·256;
        // o 128·128·7168 = 11,011,584 + 37,748,736 + 4,129,280 + 16,777,216 + 117,440,512 = 187,107,328
        assertEquals(187_107_328.0, v3.attentionParameters(), 0);
        // 61 · (187,107,328 + 2·7168) + 3 · 3·7168·18432 + 58 · (256·7168 + 257 · 3·7168·2048) + 2·129280·7168 + 7168
        double expected = 61 * (187_107_328.0 + 14_336) + 3 * 396_361_728.0 + 58 * (1_835_008.0 + 257 * 44_040_192.0)
                + 1_853_358_080.0 + 7168;
        assertEquals(expected, v3.parameterCount(), 0);
        assertEquals(671.0e9, v3.parameterCount(), 0.1e9); // DeepSeek-V3's 671B without the MTP module
        assertEquals(37.0e9, v3.activeParameterCount(), 0.6e9); // "37B activated"

        ModelSpec qwen = model("qwen3-30b-a3b");
        assertEquals(30.5e9, qwen.parameterCount(), 0.05e9);
        assertEquals(3.3e9, qwen.activeParameterCount(), 0.1e9);
    }

    @Test
    void mlaKvBytesPerTokenAreTheLatentPlusTheRopeKey() {
        ModelSpec v3 = model("deepseek-v3");
        // layers × (kv_lora_rank + qk_rope_head_dim) × bytes = 61 × (512 + 64) × 2 = 70,272 B at bf16
        assertEquals(61.0 * (512 + 64) * 2, v3.kvBytesPerTokenPerRank(1, BF16), 0);
        assertEquals(70_272.0, v3.kvBytesPerTokenPerRank(1, BF16), 0);
        // the latent is shared by all heads, so tensor parallelism replicates it rather than splitting it
        assertEquals(70_272.0, v3.kvBytesPerTokenPerRank(8, BF16), 0);
        assertEquals(35_136.0, v3.kvBytesPerTokenPerRank(1, Precision.FP8), 0);
    }

    @Test
    void expertParallelWeightsHoldWholeExpertsPerDevice() {
        ModelSpec v3 = model("deepseek-v3");
        double routed = 58 * 256 * 44_040_192.0;
        assertEquals(routed, v3.routedExpertParameters(), 0);
        // EP32 with 32 redundant slots: 9 experts per device per MoE layer, everything else whole (tp 1), fp8
        double perDevice = v3.parameterCount() - routed + 58 * 9 * 44_040_192.0;
        assertEquals(perDevice, v3.weightBytesPerDevice(1, 9, Precision.FP8), 1);
        // tp 8 without EP: routed experts split 8 ways like every sharded weight
        assertEquals(v3.weightBytesPerRank(8, Precision.FP8) - routed / 8 + 58 * 32 * 44_040_192.0,
                v3.weightBytesPerDevice(8, 32, Precision.FP8), 1);
    }

    @Test
    void oneMoeLayerForAGivenAssignment() {
        ModelSpec mixtral = model("mixtral-8x7b");
        ForwardPass fp = new ForwardPass(mixtral, 1, BF16, BF16, BF16);
        // 10 tokens, top-2: 20 assignments, given as expert 0: 12, expert 3: 8, the others none
        double[] tokens = {12, 0, 0, 8, 0, 0, 0, 0};
        List<Operator> ops = fp.routedExperts(tokens, 1);
        double h = 4096;
        double f = 14336;
        double flops = ops.stream().mapToDouble(Operator::flops).sum();
        // GEMMs: 2 · rows · h · 2f (gate-up) + 2 · rows · f · h (down) = 6 · rows · h · f over 20 rows;
        // SwiGLU 4 · rows · f
        assertEquals(6 * 20 * h * f + 4 * 20 * f, flops, 0);
        assertEquals(7_046_430_720.0 + 1_146_880, flops, 0);
        double bytes = ops.stream().mapToDouble(Operator::bytes).sum();
        // only the two used experts' weights are read: 2 · 3 · h · f · 2 B = 704,643,072 B; activations per row
        // (h + 2f) + (f + h) in and out of the GEMMs, 3f for SwiGLU, 4h for the permute, all · 2 B
        double perRow = (h + 2 * f) + (f + h) + 3 * f + 4 * h;
        assertEquals(2 * 3 * h * f * 2 + 20 * perRow * 2, bytes, 0);
        assertEquals(2, ops.stream().filter(o -> o.name().equals("expert-down-proj")).count());
        // a tensor-parallel rank (tp 2) holds half of every expert's width: half the FLOPs and weight bytes
        List<Operator> half = fp.routedExperts(tokens, 2);
        assertEquals((6 * 20 * h * f + 4 * 20 * f) / 2, half.stream().mapToDouble(Operator::flops).sum(), 1e-3);
        assertTrue(fp.routedExperts(new double[8], 1).isEmpty());
    }

    @Test
    void moeLayersCarryRouterAndSharedExpertsAndDenseLayersTheirMlp() {
        ModelSpec v3 = model("deepseek-v3");
        ForwardPass fp = new ForwardPass(v3, 1, Precision.FP8, BF16, BF16);
        Map<String, Operator> ops = byName(fp.operators(BatchShape.decode(4, 99)));
        Operator router = ops.get("router");
        // 4 tokens · 7168 · 256 experts, in every one of the 58 MoE layers
        assertEquals(2.0 * 4 * 7168 * 256, router.flops(), 0);
        assertEquals(58, router.repeat());
        assertEquals(3, ops.get("gate-up-proj").repeat()); // the three dense layers' MLP (18,432 wide)
        assertEquals(2.0 * 4 * 7168 * 2 * 18432, ops.get("gate-up-proj").flops(), 0);
        // one shared expert of 2,048 in each MoE layer; fp8 weights are one byte each
        Operator shared = ops.get("shared-gate-up-proj");
        assertEquals(58, shared.repeat());
        assertEquals(7168.0 * 2 * 2048 + 4 * (7168 + 2 * 2048) * 2, shared.bytes(), 0);
        assertFalse(ops.containsKey("qkv-proj"));
    }

    @Test
    void mlaDecodeReadsOnlyTheLatentAndPrefillUpProjectsIt() {
        ModelSpec v3 = model("deepseek-v3");
        ForwardPass fp = new ForwardPass(v3, 1, BF16, BF16, BF16);
        Map<String, Operator> dec = byName(fp.operators(BatchShape.decode(1, 999)));
        Operator att = dec.get("decode-attention");
        // absorbed MQA over 1000 cached tokens: 128 heads · (2·576 score + 2·512 value) FLOPs per token
        assertEquals(1000 * 128 * (2.0 * 576 + 2 * 512), att.flops(), 0);
        // bytes: the latent + RoPE key once per token (576 · 2 B), not per head, plus the absorbed query and output
        assertEquals(1000 * 576 * 2.0 + 2 * 128 * 576 * 2.0, att.bytes(), 0);
        // q · W_UK per head: 2 · 128 heads · 128 · 512
        assertEquals(2.0 * 128 * 128 * 512, dec.get("q-absorb").flops(), 0);
        assertFalse(dec.containsKey("kv-up-proj"));

        Map<String, Operator> pre = byName(fp.operators(BatchShape.prefill(1, 1000)));
        // plain form: 2 · heads · (qk 192 + v 128) · causal pairs 1000·1001/2
        assertEquals(2.0 * 128 * 320 * 500_500, pre.get("prefill-attention").flops(), 0);
        // the 1000 latents are up-projected to 128 heads · (128 + 128)
        assertEquals(2.0 * 1000 * 512 * 128 * 256, pre.get("kv-up-proj").flops(), 0);
        assertFalse(pre.containsKey("q-absorb"));
    }
}
