package io.xpusim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.units.Precision;
import org.junit.jupiter.api.Test;

/** Parameter, KV-cache and weight-size formulas checked against published model sizes. */
class ModelSpecTest {

    /** Llama-3-8B as in its config.json: SwiGLU, RMSNorm, RoPE, no biases, untied embeddings. */
    static ModelSpec llama3_8b() {
        return new ModelSpec("llama-3-8b", "test", 4096, 32, 32, 8, 128, 14336, 128256, MlpKind.SWIGLU,
                false, false, false, false, 8192, 8.03e9, null, null, "test");
    }

    /** GPT-2 small (124M): GELU, LayerNorm, learned positions, biases, tied embeddings. */
    static ModelSpec gpt2Small() {
        return new ModelSpec("gpt2", "test", 768, 12, 12, 12, 64, 3072, 50257, MlpKind.GELU,
                true, true, true, true, 1024, 124e6, null, null, "test");
    }

    @Test
    void llama3_8bParameterCountIsExact() {
        ModelSpec m = llama3_8b();
        // attention: q 4096·4096 + k,v 2·4096·1024 + o 4096·4096 = 16,777,216 + 8,388,608 + 16,777,216 = 41,943,040
        assertEquals(41_943_040.0, m.attentionParameters(), 0);
        // mlp: 3 · 4096 · 14336 = 176,160,768
        assertEquals(176_160_768.0, m.mlpParameters(), 0);
        // two RMSNorms: 2 · 4096 = 8192
        assertEquals(8_192.0, m.layerNormParameters(), 0);
        // embeddings + untied head 2 · 128256 · 4096 = 1,050,673,152, plus final norm 4096 = 1,050,677,248
        assertEquals(1_050_677_248.0, m.nonLayerParameters(), 0);
        // 32 · (41,943,040 + 176,160,768 + 8,192) = 32 · 218,112,000 = 6,979,584,000
        // + 1,050,677,248 = 8,030,261,248 (the count Hugging Face reports for Meta-Llama-3-8B)
        assertEquals(8_030_261_248.0, m.parameterCount(), 0);
    }

    @Test
    void gpt2SmallParameterCountIsExact() {
        ModelSpec m = gpt2Small();
        // attention: 4 · 768² = 2,359,296 weights + biases 768·3 + 768 = 3,072 → 2,362,368
        assertEquals(2_362_368.0, m.attentionParameters(), 0);
        // mlp: 2 · 768 · 3072 = 4,718,592 + biases 3072 + 768 = 3,840 → 4,722,432
        assertEquals(4_722_432.0, m.mlpParameters(), 0);
        // two LayerNorms with bias: 4 · 768 = 3,072
        // per layer 2,362,368 + 4,722,432 + 3,072 = 7,087,872; · 12 = 85,054,464
        // embeddings 50257 · 768 = 38,597,376 (tied), positions 1024 · 768 = 786,432, final LN 2 · 768 = 1,536
        // total 85,054,464 + 38,597,376 + 786,432 + 1,536 = 124,439,808 (GPT-2's published 124M)
        assertEquals(124_439_808.0, m.parameterCount(), 0);
    }

    @Test
    void kvBytesPerToken() {
        ModelSpec m = llama3_8b();
        // K and V: 2 · 32 layers · 8 kv heads · 128 dim · 2 bytes = 131,072
        assertEquals(131_072.0, m.kvBytesPerTokenPerRank(1, Precision.BF16), 0);
        // tp=2: 4 heads per rank → 65,536
        assertEquals(65_536.0, m.kvBytesPerTokenPerRank(2, Precision.BF16), 0);
        // tp=8: 1 head per rank → 2 · 32 · 1 · 128 · 2 = 16,384
        assertEquals(16_384.0, m.kvBytesPerTokenPerRank(8, Precision.BF16), 0);
        // tp=16 > 8 kv heads: heads are replicated, still 1 per rank → 16,384
        assertEquals(16_384.0, m.kvBytesPerTokenPerRank(16, Precision.BF16), 0);
        // fp8 halves: 2 · 32 · 8 · 128 · 1 = 65,536
        assertEquals(65_536.0, m.kvBytesPerTokenPerRank(1, Precision.FP8), 0);
        assertEquals(1, m.kvHeadsPerRank(16));
        assertEquals(8, m.kvHeadsPerRank(1));
    }

    @Test
    void mlaKvBytesUseTheCompressedLatent() {
        ModelSpec base = llama3_8b();
        ModelSpec mla = new ModelSpec("mla", "", 4096, 32, 32, 32, 128, 14336, 128256, MlpKind.SWIGLU, false, false,
                false, false, 8192, 0, null, new MlaSpec(1536, 512, 128, 64, 128), "");
        // per layer one latent of kvLoraRank 512 + rope dim 64 = 576 elements; 32 layers · 576 · 2 B = 36,864
        assertEquals(36_864.0, mla.kvBytesPerTokenPerRank(1, Precision.BF16), 0);
        assertEquals(36_864.0, mla.kvBytesPerTokenPerRank(8, Precision.BF16), 0);
        assertEquals(131_072.0, base.kvBytesPerTokenPerRank(1, Precision.BF16), 0);
    }

    @Test
    void weightBytesPerRank() {
        ModelSpec m = llama3_8b();
        // tp=1 bf16: 8,030,261,248 · 2 = 16,060,522,496
        assertEquals(16_060_522_496.0, m.weightBytesPerRank(1, Precision.BF16), 0);
        // tp=8: norms replicated = 32 · 8192 + 4096 = 266,240
        // (8,030,261,248 − 266,240) / 8 = 1,003,749,376; + 266,240 = 1,004,015,616 params; · 2 B = 2,008,031,232
        assertEquals(2_008_031_232.0, m.weightBytesPerRank(8, Precision.BF16), 0);
        // fp8 tp=1: one byte per parameter
        assertEquals(8_030_261_248.0, m.weightBytesPerRank(1, Precision.FP8), 0);
    }

    @Test
    void widths() {
        ModelSpec m = llama3_8b();
        assertEquals(4096, m.queryWidth()); // 32 · 128
        assertEquals(1024, m.kvWidth());    // 8 · 128
    }

}
