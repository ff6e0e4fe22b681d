package io.xpusim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Training FLOP counts checked against the published formulas: Megatron-LM eq. 3 (Narayanan et al. 2021),
 * Korthikanti et al. 2022 (MFU of the 22B model), 6·N·D (Kaplan et al. 2020), and a hand count for a
 * GQA/SwiGLU layer. Every expected value is the paper's formula or a hand-derived number, never a run of the code.
 */
class TrainingFlopsTest {

    private static final int V = 51_200; // GPT vocabulary of Megatron-LM and Korthikanti (training.md A1.1, A1.2)
    private static final int S = 2_048;  // sequence length of both papers

    /** A GPT-style model as Megatron-LM trains it: MHA, GELU, intermediate 4h, learned positions, biases. */
    static ModelSpec gpt(String name, int h, int layers, int heads, int vocab) {
        return new ModelSpec(name, "test", h, layers, heads, heads, h / heads, 4 * h, vocab, MlpKind.GELU,
                true, true, true, true, S, 0, null, null, "test");
    }

    /** Megatron-LM eq. 3: F = 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h)), per iteration, full recomputation. */
    private static double eq3(double batch, double s, double l, double h, double v) {
        return 96 * batch * s * l * h * h * (1 + s / (6 * h) + v / (16 * l * h));
    }

    private static void assertRelative(double expected, double actual, double rel) {
        assertEquals(expected, actual, Math.abs(expected) * rel, () -> "expected " + expected + " got " + actual);
    }

    @Test
    void fullRecomputeHardwareFlopsEqualMegatronEq3ForGpt3() {
        // GPT-3 175B (Table 1 row 145.6B uses the same shape with 80 layers; training.md): h 12288, 96 layers, 96 heads
        ModelSpec m = gpt("gpt3-175b", 12_288, 96, 96, V);
        // by hand, B = 1, s = 2048:
        //   96·s·l·h² = 96·2048·96·12288² = 2,849,934,139,195,392
        //   · s/(6h)  → 16·s²·l·h        =    79,164,837,199,872
        //   · V/(16lh)→ 6·s·h·V          =     7,730,941,132,800
        //   sum                          = 2,936,829,917,528,064
        assertRelative(2_936_829_917_528_064.0, TrainingFlops.hardware(m, 1, S, Recompute.FULL), 1e-12);
        // a global batch of 1536 (Megatron-LM's GPT-3 run) scales linearly
        assertRelative(eq3(1536, S, 96, 12_288, V), TrainingFlops.hardware(m, 1536, S, Recompute.FULL), 1e-12);
    }

    @Test
    void fullRecomputeHardwareFlopsEqualMegatronEq3ForTable1Rows() {
        // Table 1 (training.md A1.1): params, heads, h, layers, global batch
        // 1.7B: 24 heads, h 2304, 24 layers, B 512
        ModelSpec m17 = gpt("1.7b", 2_304, 24, 24, V);
        assertRelative(eq3(512, S, 24, 2_304, V), TrainingFlops.hardware(m17, 512, S, Recompute.FULL), 1e-12);
        // 18.4B: 48 heads, h 6144, 40 layers, B 1024
        ModelSpec m184 = gpt("18.4b", 6_144, 40, 48, V);
        assertRelative(eq3(1024, S, 40, 6_144, V), TrainingFlops.hardware(m184, 1024, S, Recompute.FULL), 1e-12);
        // 39.1B: 64 heads, h 8192, 48 layers, B 1536
        ModelSpec m391 = gpt("39.1b", 8_192, 48, 64, V);
        assertRelative(eq3(1536, S, 48, 8_192, V), TrainingFlops.hardware(m391, 1536, S, Recompute.FULL), 1e-12);
        // 1T: 160 heads, h 25600, 128 layers, B 3072
        ModelSpec m1t = gpt("1t", 25_600, 128, 160, V);
        assertRelative(eq3(3072, S, 128, 25_600, V), TrainingFlops.hardware(m1t, 3072, S, Recompute.FULL), 1e-12);
    }

    @Test
    void eq3HoldsForAnyVocabulary() {
        // the V term is the LM head only: 3 passes (fwd + 2× bwd, no recompute of the head) · 2·s·h·V = 6·B·s·h·V,
        // which is 96·B·s·l·h² · V/(16·l·h); a GPT-2-like vocabulary and an odd one
        for (int vocab : new int[] {50_257, 1, 256_000}) {
            ModelSpec m = gpt("v" + vocab, 2_304, 24, 24, vocab);
            assertRelative(eq3(8, S, 24, 2_304, vocab), TrainingFlops.hardware(m, 8, S, Recompute.FULL), 1e-12);
        }
    }

    @Test
    void modelFlopsAreThreeQuartersOfTheLayerPartPlusTheWholeLogitsPart() {
        ModelSpec m = gpt("gpt3-175b", 12_288, 96, 96, V);
        double b = 64, s = S, l = 96, h = 12_288;
        // eq. 3 = layer part 96·B·s·l·h²·(1 + s/(6h)) (4 passes: fwd, recompute fwd, 2× bwd)
        //       + logits part 96·B·s·l·h²·V/(16·l·h) = 6·B·s·h·V (the head is not recomputed)
        double layerPart = 96 * b * s * l * h * h * (1 + s / (6 * h));
        double logitsPart = 6 * b * s * h * V;
        assertRelative(layerPart + logitsPart, eq3(b, s, l, h, V), 1e-12); // sanity of the split itself
        // without the recompute forward the layer part is 3 of 4 passes
        double model = 0.75 * layerPart + logitsPart;
        assertRelative(model, TrainingFlops.model(m, 64, S), 1e-12);
        // NONE reruns nothing
        assertEquals(TrainingFlops.model(m, 64, S), TrainingFlops.hardware(m, 64, S, Recompute.NONE), 0);
        // SELECTIVE reruns the attention core forward once: QKᵀ and ·V, 2·s²·h each, per layer per sequence
        double selectiveExtra = l * 4 * s * s * h * b;
        assertRelative(model + selectiveExtra, TrainingFlops.hardware(m, 64, S, Recompute.SELECTIVE), 1e-12);
        // FULL reruns the whole layer forward: the missing quarter of the layer part
        assertRelative(model + 0.25 * layerPart, TrainingFlops.hardware(m, 64, S, Recompute.FULL), 1e-12);
    }

    @Test
    void korthikanti22bMfuMatchesThePaper() {
        // Korthikanti et al. 2022, Table 3/5 (training.md A1.2): 22B, 64 heads, h 6144, 48 layers, TP 8, 8 GPUs,
        // global batch 4, s 2048, V 51200; SP + selective recompute iteration 1.10 s; MFU 41.5%, HFU 43.7%;
        // A100 peak 312 TFLOP/s.
        ModelSpec m = gpt("22b", 6_144, 48, 64, V);
        double b = 4, s = S, l = 48, h = 6_144;
        double peakSeconds = 1.10 * 8 * 312e12;
        // model FLOPs = 72·B·s·l·h²·(1 + s/(6h)) + 6·B·s·h·V
        //            = 1,068,725,302,198,272·(1 + 1/18) + 15,461,882,265,600
        //            = 1,128,098,930,098,176 + 15,461,882,265,600 = 1,143,560,812,363,776
        // peak·time = 1.10·8·312e12 = 2.7456e15 → MFU = 41.65%
        double model = 72 * b * s * l * h * h * (1 + s / (6 * h)) + 6 * b * s * h * V;
        assertRelative(1_143_560_812_363_776.0, model, 1e-12);
        assertRelative(model, TrainingFlops.model(m, 4, S), 1e-12);
        double mfu = TrainingFlops.model(m, 4, S) / peakSeconds;
        assertEquals(0.415, mfu, 0.003);

        // The paper's HFU (43.7%) comes from its selective-recompute FLOP formula
        //   72·B·s·l·h²·(1 + s/(3h) + V/(12·l·h)),
        // whose s/(3h) = s/(6h) + s/(6h) adds 72·B·s·l·h²·s/(6h) = 12·B·s²·l·h: three times the attention core's
        // forward (4·B·s²·l·h). TrainingFlops counts the rerun once, as it is executed (hardware FLOPs), so ours
        // is 72·B·s·l·h²·(1 + s/(6h) + s/(18h)) + 6·B·s·h·V → (1.14356e15 + 4·4·2048²·48·6144 = 1.97912e13) / 2.7456e15 = 42.37%:
        // above MFU, below the paper's HFU.
        double paperHfu = 72 * b * s * l * h * h * (1 + s / (3 * h) + V / (12 * l * h)) / peakSeconds;
        assertEquals(0.437, paperHfu, 0.003); // the paper's own formula reproduces its 43.7% (43.8% unrounded)
        double hfu = TrainingFlops.hardware(m, 4, S, Recompute.SELECTIVE) / peakSeconds;
        assertRelative((model + 4 * b * s * s * l * h) / peakSeconds, hfu, 1e-12);
        assertTrue(hfu > 0.415 && hfu < 0.437, "HFU " + hfu + " should lie between MFU 41.5% and the paper's 43.7%");
        assertTrue(hfu > mfu && hfu < paperHfu);
    }

    @Test
    void sixNIsSixTimesParametersTimesTokens() {
        // 175e9 parameters · 300e9 tokens · 6 = 3.15e23 (GPT-3's training compute)
        assertEquals(3.15e23, TrainingFlops.sixN(175e9, 300e9), 3.15e23 * 1e-15);
        assertEquals(6.0, TrainingFlops.sixN(1, 1), 0);
        assertEquals(0.0, TrainingFlops.sixN(0, 1e12), 0);
    }

    @Test
    void gqaSwigluLayerForwardCountsEveryWeightOnce() {
        // Llama-3-8B: h 4096, 32 layers, 32 heads × 128 = q 4096, 8 KV heads × 128 = kv 1024, f 14336, V 128256
        ModelSpec m = new ModelSpec("llama-3-8b", "test", 4096, 32, 32, 8, 128, 14336, 128256, MlpKind.SWIGLU,
                false, false, false, false, 8192, 8.03e9, null, null, "test");
        int s = 4096;
        // weights per layer: h·q 16,777,216 + 2·h·kv 8,388,608 + q·h 16,777,216 + 3·h·f 176,160,768 = 218,103,808
        // 2·s·weights = 2·4096·218,103,808 = 1,786,706,395,136
        // 4·s²·q       = 4·4096²·4096       =   274,877,906,944
        // layerForward                      = 2,061,584,302,080
        assertEquals(2_061_584_302_080.0, TrainingFlops.layerForward(m, s), 0);
        assertEquals(274_877_906_944.0, TrainingFlops.attentionCoreForward(m, s), 0);
        // LM head: 2·s·h·V = 2·4096·4096·128256 = 4,303,557,230,592
        assertEquals(4_303_557_230_592.0, TrainingFlops.logitsForward(m, s), 0);
        // model FLOPs of one sequence: 3·(32·2,061,584,302,080 + 4,303,557,230,592)
        //   = 3·(65,970,697,666,560 + 4,303,557,230,592) = 3·70,274,254,897,152 = 210,822,764,691,456
        assertEquals(210_822_764_691_456.0, TrainingFlops.model(m, 1, s), 0);
    }
}
