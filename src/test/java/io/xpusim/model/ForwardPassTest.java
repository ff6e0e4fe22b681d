package io.xpusim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.units.Precision;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Operator FLOPs and bytes of a Llama-3-8B forward pass, derived by hand. */
class ForwardPassTest {
    private static final Precision BF16 = Precision.BF16;
    private final ModelSpec llama = ModelSpecTest.llama3_8b();

    private static Map<String, Operator> byName(List<Operator> ops) {
        return ops.stream().collect(Collectors.toMap(Operator::name, Function.identity()));
    }

    private static double gemmFlops(List<Operator> ops) {
        return ops.stream().filter(o -> o.kind() == OpKind.GEMM).mapToDouble(o -> o.flops() * o.repeat()).sum();
    }

    @Test
    void decodeOfOneSequence() {
        ForwardPass fp = new ForwardPass(llama, 1, BF16, BF16, BF16);
        BatchShape b = BatchShape.decode(1, 999); // one sequence, 999 cached + 1 new = context 1000
        assertEquals(1, b.tokens());
        assertEquals(1000, b.decodeKvTokens());
        Map<String, Operator> ops = byName(fp.operators(b));

        Operator qkv = ops.get("qkv-proj");
        // 2 · rows 1 · in 4096 · out (4096 + 2·1024 = 6144) = 50,331,648
        assertEquals(2.0 * 1 * 4096 * (4096 + 2 * 1024), qkv.flops(), 0);
        assertEquals(50_331_648.0, qkv.flops(), 0);
        assertEquals(OpKind.GEMM, qkv.kind());
        assertEquals(32, qkv.repeat());
        assertEquals(1.0, qkv.rows(), 0);

        // GEMM bytes per layer = weights (2 B each) + activations in and out (2 B each, one row):
        // weights: qkv 4096·6144 + o 4096·4096 + gate-up 4096·28672 + down 14336·4096
        //        = 25,165,824 + 16,777,216 + 117,440,512 + 58,720,256 = 218,103,808 params
        //        = attention (41,943,040) + mlp (176,160,768) params → 436,207,616 B
        double weightBytes = 2 * (llama.attentionParameters() + llama.mlpParameters());
        assertEquals(436_207_616.0, weightBytes, 0);
        // activations: (4096+6144) + (4096+4096) + (4096+28672) + (14336+4096) = 69,632 elements · 2 B = 139,264 B
        double activationBytes = 139_264;
        double layerGemmBytes = fp.operators(b).stream().filter(o -> o.kind() == OpKind.GEMM && o.repeat() == 32)
                .mapToDouble(Operator::bytes).sum();
        assertEquals(weightBytes + activationBytes, layerGemmBytes, 0);

        Operator att = ops.get("decode-attention");
        // 4 · 32 heads · 128 · 1000 kv tokens = 16,384,000
        assertEquals(16_384_000.0, att.flops(), 0);
        // KV read 2 · 1000 · 1024 · 2 B = 4,096,000 + Q in/out 2 · 1 · 4096 · 2 B = 16,384 → 4,112,384
        assertEquals(4_112_384.0, att.bytes(), 0);
        assertFalse(ops.containsKey("prefill-attention"));

        Operator lm = ops.get("lm-head");
        // one sampled row: 2 · 1 · 4096 · 128256 = 1,050,673,152, once per pass
        assertEquals(1_050_673_152.0, lm.flops(), 0);
        assertEquals(1, lm.repeat());
    }

    @Test
    void prefillOfOne512TokenPrompt() {
        ForwardPass fp = new ForwardPass(llama, 1, BF16, BF16, BF16);
        BatchShape b = BatchShape.prefill(1, 512);
        assertEquals(512, b.tokens());
        assertEquals(1, b.sampledTokens());
        // causal pairs 512 · 513 / 2 = 131,328
        assertEquals(131_328.0, b.prefillAttentionPairs(), 0);
        List<Operator> ops = fp.operators(b);
        Map<String, Operator> m = byName(ops);

        // linear layers run on all 512 rows: 2 · 512 · 218,103,808 params = 223,338,299,392 per layer,
        // · 32 = 7,146,825,580,544; the LM head only on the 1 sampled row: 2 · 4096 · 128256 = 1,050,673,152
        double perLayer = 2.0 * 512 * (llama.attentionParameters() + llama.mlpParameters());
        assertEquals(223_338_299_392.0, perLayer, 0);
        assertEquals(7_146_825_580_544.0 + 1_050_673_152.0, gemmFlops(ops), 0);
        // ≈ 2 · tokens · linear-layer params, within 0.02% (the head's 512 rows are not computed)
        double approx = 2.0 * 512 * (32 * (llama.attentionParameters() + llama.mlpParameters()));
        assertEquals(approx, gemmFlops(ops), approx * 2e-4);

        Operator att = m.get("prefill-attention");
        // 4 · 32 heads · 128 · 131,328 pairs = 16,384 · 131,328 = 2,151,677,952 per layer
        assertEquals(4.0 * 32 * 128 * (512 * 513 / 2), att.flops(), 0);
        assertEquals(2_151_677_952.0, att.flops(), 0);
        assertEquals(32, att.repeat());
        assertFalse(m.containsKey("decode-attention"));

        // all-reduce payload: tokens · hidden · 2 B = 512 · 4096 · 2 = 4,194,304
        assertEquals(4_194_304.0, fp.allReduceBytes(b), 0);
        assertEquals(0, fp.allReducesPerPass(), "tp=1 needs no all-reduce");
    }

    @Test
    void tensorParallelismHalvesPerRankGemmFlops() {
        BatchShape b = BatchShape.prefill(1, 512);
        double tp1 = gemmFlops(new ForwardPass(llama, 1, BF16, BF16, BF16).operators(b));
        ForwardPass fp2 = new ForwardPass(llama, 2, BF16, BF16, BF16);
        double tp2 = gemmFlops(fp2.operators(b));
        // every GEMM is split along heads/ffn/vocab: q 4096/2, kv 4 heads per rank, ffn 14336/2, vocab 128256/2
        assertEquals(tp1 / 2, tp2, 0);
        Operator qkv = byName(fp2.operators(b)).get("qkv-proj");
        // 2 · 512 · 4096 · (2048 + 2·512) = 12,884,901,888
        assertEquals(2.0 * 512 * 4096 * (2048 + 2 * 512), qkv.flops(), 0);
        // the all-reduce still carries the full hidden state: 512 · 4096 · 2 B
        assertEquals(4_194_304.0, fp2.allReduceBytes(b), 0);
        // two per layer: 2 · 32 = 64
        assertEquals(64, fp2.allReducesPerPass());
    }

    @Test
    void mixedBatchHasBothAttentionsAndSamplesPerSequence() {
        ForwardPass fp = new ForwardPass(llama, 1, BF16, BF16, BF16);
        // one 100-token prompt chunk (last chunk) and 3 decodes with 50 context tokens each (+1 new)
        BatchShape b = new BatchShape(100, 1, 1, 100 * 101 / 2.0, 100, 3, 3 * 51);
        assertEquals(103, b.tokens());       // 100 + 3 GEMM rows
        assertEquals(4, b.sampledTokens());  // 1 finishing prompt + 3 decodes
        Map<String, Operator> m = byName(fp.operators(b));
        assertTrue(m.containsKey("prefill-attention"));
        assertTrue(m.containsKey("decode-attention"));
        // decode attention: 4 · 32 · 128 · 153 kv tokens = 2,506,752
        assertEquals(2_506_752.0, m.get("decode-attention").flops(), 0);
        assertEquals(3.0, m.get("decode-attention").rows(), 0);
        // lm-head rows = sampled tokens 4: 2 · 4 · 4096 · 128256
        assertEquals(2.0 * 4 * 4096 * 128256, m.get("lm-head").flops(), 0);
    }

    @Test
    void emptyBatch() {
        BatchShape b = new BatchShape(0, 0, 0, 0, 0, 0, 0);
        assertTrue(b.isEmpty());
        Map<String, Operator> m = byName(new ForwardPass(llama, 1, BF16, BF16, BF16).operators(b));
        assertFalse(m.containsKey("lm-head"), "nothing to sample");
        assertEquals(0.0, m.get("qkv-proj").flops(), 0);
    }

    @Test
    void batchShapeFactories() {
        BatchShape p = BatchShape.prefill(4, 10);
        // 4 prompts of 10: 40 tokens, pairs 4 · 10·11/2 = 220, kv tokens 40
        assertEquals(40, p.prefillTokens());
        assertEquals(220.0, p.prefillAttentionPairs(), 0);
        assertEquals(40, p.prefillKvTokens());
        assertEquals(4, p.sampledTokens());
        BatchShape d = BatchShape.decode(8, 99);
        // 8 sequences · (99 + 1) = 800 kv tokens
        assertEquals(800, d.decodeKvTokens());
        assertEquals(8, d.tokens());
    }
}
