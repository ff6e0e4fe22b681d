package io.xpusim.training;

import io.xpusim.model.Recompute;
import io.xpusim.model.AttentionKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.StageMemory;
import io.xpusim.model.MlpKind;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.MoeSpec;
import io.xpusim.training.TrainingMemory.ModelStateBytes;
import io.xpusim.training.TrainingMemory.StageShare;
import io.xpusim.units.DataSize;
import org.junit.jupiter.api.Test;

/**
 * Training memory checked by hand against the ZeRO paper's Figure 1 and the activation formulas of
 * Korthikanti et al. 2022.
 */
class TrainingMemoryTest {

    private static final double GIB = 1024.0 * 1024 * 1024;

    /** A GPT-style model: MHA, GELU, f = 4h, LayerNorm, learned positions, biases, tied embeddings. */
    static ModelSpec gpt(int hidden, int heads, int layers, int vocab) {
        return new ModelSpec("gpt-" + hidden, "test", hidden, layers, heads, heads, hidden / heads, 4 * hidden, vocab,
                MlpKind.GELU, true, true, true, true, 2048, 0, null, null, "test");
    }

    /** GPT-3 175B as Megatron-LM trains it (Korthikanti 2022 Table 3): vocabulary padded to 51,200. */
    static ModelSpec gpt3() {
        return gpt(12288, 96, 96, 51200);
    }

    /** Llama-3-8B: GQA (8 KV heads), SwiGLU, RMSNorm, rotary positions, no biases, untied embeddings. */
    static ModelSpec llama3_8b() {
        return new ModelSpec("llama-3-8b", "test", 4096, 32, 32, 8, 128, 14336, 128256, MlpKind.SWIGLU,
                false, false, false, false, 8192, 8.03e9, null, null, "test");
    }

    /** GPT-2 small: tied embeddings, learned positions. */
    static ModelSpec gpt2Small() {
        return new ModelSpec("gpt2", "test", 768, 12, 12, 12, 64, 3072, 50257, MlpKind.GELU,
                true, true, true, true, 1024, 124e6, null, null, "test");
    }

    static ParallelPlan plan(int dp, int tp, int pp, boolean sequenceParallel) {
        return new ParallelPlan(dp, tp, pp, 1, sequenceParallel, 1, 1);
    }

    @Test
    void gpt3PerLayerActivationsMatchThePaper() {
        ModelSpec m = gpt3();
        // s = 2048, b = 1, h = 12288: sbh = 25,165,824
        // SP + selective: 34·sbh/t = 34 · 25,165,824 / 8 = 106,954,752
        assertEquals(106_954_752.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, true), 1, 2048,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED), 0);
        // full recompute, no SP: 2sbh = 50,331,648
        assertEquals(50_331_648.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, false), 1, 2048,
                Recompute.FULL, AttentionKernel.UNFUSED), 0);
        // full recompute with SP: 2sbh/t = 6,291,456
        assertEquals(6_291_456.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, true), 1, 2048,
                Recompute.FULL, AttentionKernel.UNFUSED), 0);
        // no recompute, no SP: sbh(10 + 24/t + 5as/(ht)) = sbh(10 + 3 + 5·96·2048/(12288·8)) = sbh(13 + 10)
        // = 25,165,824 · 23 = 578,813,952
        assertEquals(578_813_952.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, false), 1, 2048,
                Recompute.NONE, AttentionKernel.UNFUSED), 0);
        // no recompute, SP: sbh(34/t + 5as/(ht)) = sbh(4.25 + 10) = 358,612,992
        assertEquals(358_612_992.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, true), 1, 2048,
                Recompute.NONE, AttentionKernel.UNFUSED), 0);
        // selective, no SP: sbh(10 + 24/t) = sbh · 13 = 327,155,712
        assertEquals(327_155_712.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, false), 1, 2048,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED), 0);
    }

    @Test
    void gptStyleLayersReduceExactlyToThePublishedFormulas() {
        int[][] shapes = {{12288, 96, 2048, 1}, {6144, 64, 2048, 4}, {2304, 24, 1024, 2}, {20480, 128, 2048, 1}};
        for (int[] shape : shapes) {
            double h = shape[0];
            double a = shape[1];
            double s = shape[2];
            double b = shape[3];
            ModelSpec m = gpt(shape[0], shape[1], 24, 51200);
            for (int t : new int[] {1, 2, 4, 8}) {
                double sbh = s * b * h;
                double scores = 5 * a * s / (h * t);
                double[][] expectedBySp = {
                    // no SP: none, selective, full
                    {sbh * (10 + 24.0 / t + scores), sbh * (10 + 24.0 / t), 2 * sbh},
                    // SP
                    {sbh * (34.0 / t + scores), 34 * sbh / t, 2 * sbh / t}};
                Recompute[] modes = {Recompute.NONE, Recompute.SELECTIVE, Recompute.FULL};
                for (int sp = 0; sp < 2; sp++) {
                    for (int r = 0; r < 3; r++) {
                        double expected = expectedBySp[sp][r];
                        String what = "h " + h + " t " + t + " sp " + (sp == 1) + " " + modes[r];
                        double actual = TrainingMemory.activationBytesPerLayer(m, plan(1, t, 1, sp == 1),
                                shape[3], shape[2], modes[r], AttentionKernel.UNFUSED);
                        assertEquals(expected, actual, expected * 1e-12, what);
                    }
                }
            }
        }
    }

    @Test
    void fusedAttentionStoresNoScoresSoSelectiveChangesNothing() {
        ModelSpec m = gpt3();
        for (boolean sp : new boolean[] {false, true}) {
            ParallelPlan p = plan(1, 8, 1, sp);
            double unfusedSelective = TrainingMemory.activationBytesPerLayer(m, p, 1, 2048, Recompute.SELECTIVE,
                    AttentionKernel.UNFUSED);
            assertEquals(unfusedSelective, TrainingMemory.activationBytesPerLayer(m, p, 1, 2048, Recompute.NONE,
                    AttentionKernel.FUSED), 0);
            assertEquals(unfusedSelective, TrainingMemory.activationBytesPerLayer(m, p, 1, 2048, Recompute.SELECTIVE,
                    AttentionKernel.FUSED), 0);
        }
        // the fused kernel changes nothing under full recompute either: only the layer input is kept
        assertEquals(50_331_648.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, false), 1, 2048,
                Recompute.FULL, AttentionKernel.FUSED), 0);
    }

    @Test
    void gqaAndSwiGluLayerActivations() {
        ModelSpec m = llama3_8b();
        // h = q = 4096, kv = 8·128 = 1024, f = 14336, s = 8192, b = 1, t = 1, selective:
        // outside TP: 10·sb·h = 40,960·sb
        // inside TP: 2·sb·(Q 4096 + K 1024 + V 1024 + out-proj input 4096 + 3 SwiGLU tensors 3·14336 = 43,008)
        //          = 2·sb·53,248 = 106,496·sb
        // total 147,456·sb = 147,456 · 8192 = 1,207,959,552 (36·sbh, where a GPT layer is 34·sbh)
        assertEquals(1_207_959_552.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 1, 1, false), 1, 8192,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED), 0);
        // t = 8 with SP: outside 40,960/8 = 5,120; inside 2·(512 + 128 + 128 + 512 + 3·1792 = 5,376) = 13,312
        // → 18,432·sb = 150,994,944
        assertEquals(150_994_944.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, true), 1, 8192,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED), 0);
        // no recompute, unfused: + 5·(a/t)·s²·b = 5 · 4 · 8192² = 1,342,177,280 → 1,493,172,224
        assertEquals(1_493_172_224.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 8, 1, true), 1, 8192,
                Recompute.NONE, AttentionKernel.UNFUSED), 0);
        // t = 16 > 8 KV heads: each rank keeps one whole KV head (K, V 128 wide), queries 4096/16 = 256
        // outside 40,960/16 = 2,560; inside 2·(256 + 128 + 128 + 256 + 3·896 = 2,688) = 6,912 → 9,472·sb = 77,594,624
        assertEquals(77_594_624.0, TrainingMemory.activationBytesPerLayer(m, plan(1, 16, 1, true), 1, 8192,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED), 0);
    }

    @Test
    void contextParallelSplitsTheSequenceButQueriesSeeEveryKey() {
        ModelSpec m = gpt3();
        ParallelPlan cp2 = new ParallelPlan(1, 8, 1, 1, false, 2, 1);
        // s = 2048/2 = 1024: sbh = 12,582,912; 13·sbh = 163,577,856
        // scores: 5 · (96/8) · 1024 local queries · 2048 keys · 1 = 125,829,120 → 289,406,976
        assertEquals(289_406_976.0, TrainingMemory.activationBytesPerLayer(m, cp2, 1, 2048, Recompute.NONE,
                AttentionKernel.UNFUSED), 0);
        assertEquals(163_577_856.0, TrainingMemory.activationBytesPerLayer(m, cp2, 1, 2048, Recompute.NONE,
                AttentionKernel.FUSED), 0);
        assertThrows(IllegalArgumentException.class, () -> TrainingMemory.activationBytesPerLayer(m, cp2, 1, 2047,
                Recompute.NONE, AttentionKernel.FUSED));
    }

    @Test
    void stageParametersSumToTheModelForAnUntiedModel() {
        ModelSpec m = llama3_8b();
        ParallelPlan one = plan(1, 1, 1, false);
        assertEquals(8_030_261_248.0,
                TrainingMemory.parametersOnStage(m, one, StageShare.even(m, one, 0)), 0);
        assertEquals(m.parameterCount(), TrainingMemory.parametersOnStage(m, one, StageShare.even(m, one, 0)), 0);
        ParallelPlan four = plan(1, 1, 4, false);
        double sum = 0;
        for (int stage = 0; stage < 4; stage++) {
            sum += TrainingMemory.parametersOnStage(m, four, StageShare.even(m, four, stage));
        }
        assertEquals(8_030_261_248.0, sum, 0);
    }

    @Test
    void tiedEmbeddingsCountOnceOnOneStageAndTwiceAcrossAPipeline() {
        ModelSpec m = gpt2Small();
        ParallelPlan one = plan(1, 1, 1, false);
        // GPT-2's published count: 124,439,808 (ModelSpecTest)
        assertEquals(124_439_808.0, TrainingMemory.parametersOnStage(m, one, StageShare.even(m, one, 0)), 0);
        ParallelPlan two = plan(1, 1, 2, false);
        double sum = TrainingMemory.parametersOnStage(m, two, StageShare.even(m, two, 0))
                + TrainingMemory.parametersOnStage(m, two, StageShare.even(m, two, 1));
        // + the last stage's head copy of the embedding, 50257 · 768 = 38,597,376 → 163,037,184
        assertEquals(163_037_184.0, sum, 0);
    }

    @Test
    void gpt3StageParametersPerTensorParallelRank() {
        ModelSpec m = gpt3();
        ParallelPlan p = plan(1, 8, 8, true);
        // per layer: attention (4h² + 4h)/8 = 604,028,928/8 = 75,503,616; MLP (8h² + 5h)/8 = 1,208,020,992/8
        // = 151,002,624; norms 4h = 49,152 (replicated) → 226,555,392; 12 layers → 2,718,664,704
        assertEquals(2_718_664_704.0, TrainingMemory.parametersOnStage(m, p, StageShare.even(m, p, 3)), 0);
        // first stage: + embedding 51200·12288/8 = 78,643,200 + positions 2048·12288 = 25,165,824 (replicated)
        assertEquals(2_822_473_728.0, TrainingMemory.parametersOnStage(m, p, StageShare.even(m, p, 0)), 0);
        // last stage: + final LayerNorm 2h = 24,576 + its copy of the tied head 78,643,200
        assertEquals(2_797_332_480.0, TrainingMemory.parametersOnStage(m, p, StageShare.even(m, p, 7)), 0);
    }

    @Test
    void zeroPaperFigure1() {
        // Rajbhandari et al. 2020, Figure 1: Ψ = 7.5B, Nd = 64, K = 12
        double psi = 7.5e9;
        ModelStateBytes baseline = TrainingMemory.modelStates(psi, 0, 64, OffloadTarget.NONE);
        assertEquals(15e9, baseline.weightsBytes(), 0);
        assertEquals(15e9, baseline.gradientsBytes(), 0);
        assertEquals(90e9, baseline.optimizerBytes(), 0);
        assertEquals(120e9, total(baseline), 0);
        // P_os: 2Ψ + 2Ψ + 12Ψ/64 = 31.40625 GB
        assertEquals(31.4e9, total(TrainingMemory.modelStates(psi, 1, 64, OffloadTarget.NONE)), 0.05e9);
        // P_os+g: 2Ψ + 14Ψ/64 = 16.640625 GB
        assertEquals(16.6e9, total(TrainingMemory.modelStates(psi, 2, 64, OffloadTarget.NONE)), 0.05e9);
        // P_os+g+p: 16Ψ/64 = 1.875 GB
        assertEquals(1.9e9, total(TrainingMemory.modelStates(psi, 3, 64, OffloadTarget.NONE)), 0.05e9);
        assertEquals(1.875e9, total(TrainingMemory.modelStates(psi, 3, 64, OffloadTarget.NONE)), 0);
        assertThrows(IllegalArgumentException.class, () -> TrainingMemory.modelStates(psi, 4, 64, OffloadTarget.NONE));
    }

    @Test
    void offloadedOptimizerLeavesOnlyWeightsAndContextRanksShareTheShards() {
        ParallelPlan p = new ParallelPlan(4, 1, 1, 1, false, 2, 1);
        assertEquals(8, TrainingMemory.zeroShardingRanks(p));
        ModelStateBytes offloaded = TrainingMemory.modelStates(1e9, 2, 8, OffloadTarget.CPU);
        assertEquals(2e9, offloaded.weightsBytes(), 0);
        assertEquals(0, offloaded.gradientsBytes(), 0); // streamed to the host bucket by bucket
        assertEquals(0, offloaded.optimizerBytes(), 0);
        // ZeRO-1 with offload still accumulates the whole gradient on the device, here in fp32
        assertEquals(4e9, TrainingMemory.modelStates(1e9, 1, 8, OffloadTarget.CPU, 4).gradientsBytes(), 0);
        assertEquals(0, TrainingMemory.modelStates(1e9, 0, 8, OffloadTarget.NVME).optimizerBytes(), 0);
    }

    @Test
    void oneFOneBFirstStageHoldsEveryLayerOnce() {
        ModelSpec m = gpt3();
        ParallelPlan p = plan(1, 8, 8, true);
        StageShare first = StageShare.even(m, p, 0);
        assertEquals(12, first.layersPerChunk());
        // 1F1B: stage 0 holds p = 8 micro-batches of 12 layers = L·perLayer = 96 · 106,954,752 = 10,267,656,192
        // + embedding dropout masks p·sbh/t = 8 · 25,165,824/8 = 25,165,824 → 10,292,822,016
        double layers = 96 * TrainingMemory.activationBytesPerLayer(m, p, 1, 2048, Recompute.SELECTIVE,
                AttentionKernel.UNFUSED);
        assertEquals(10_267_656_192.0, layers, 0);
        assertEquals(layers + 25_165_824.0, TrainingMemory.stageActivationBytes(m, p, first, 1, 2048,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED, 8), 0);
    }

    @Test
    void lastStageAddsTheHeadAndFp32Logits() {
        ModelSpec m = gpt3();
        ParallelPlan p = plan(1, 8, 8, true);
        // 1F1B last stage holds 1 micro-batch: 12 · 106,954,752 = 1,283,457,024
        // + final-norm and head inputs 2·2sbh/t = 12,582,912 + logits 4·s·b·V/t = 4·2048·51200/8 = 52,428,800
        assertEquals(1_348_468_736.0, TrainingMemory.stageActivationBytes(m, p, StageShare.even(m, p, 7), 1, 2048,
                Recompute.SELECTIVE, AttentionKernel.UNFUSED, 1), 0);
    }

    @Test
    void fullRecomputeAddsOneLayersWorkingSet() {
        ModelSpec m = gpt3();
        ParallelPlan p = plan(1, 8, 8, false);
        // stage 3 of 1F1B holds 8 − 3 = 5 micro-batches: 12 · 5 · 2sbh = 60 · 50,331,648 = 3,019,898,880
        // + one layer rebuilt without recompute, sbh(10 + 24/t + 5as/(ht)) = 578,813,952 → 3,598,712,832
        assertEquals(3_598_712_832.0, TrainingMemory.stageActivationBytes(m, p, StageShare.even(m, p, 3), 1, 2048,
                Recompute.FULL, AttentionKernel.UNFUSED, 5), 0);
    }

    @Test
    void stageAddsModelStatesAndActivations() {
        ModelSpec m = gpt3();
        ParallelPlan p = plan(1, 8, 8, true);
        StageMemory mem = TrainingMemory.stage(m, p, 3, StageShare.even(m, p, 3), 1, 2048, Recompute.SELECTIVE,
                AttentionKernel.UNFUSED, 0, OffloadTarget.NONE, 5, "a100-80gb-sxm", 80 * GIB);
        // 2,718,664,704 parameters: 2 B weights, 2 B gradients, 12 B optimizer
        assertEquals(5_437_329_408.0, mem.weightsBytes(), 0);
        assertEquals(5_437_329_408.0, mem.gradientsBytes(), 0);
        assertEquals(32_623_976_448.0, mem.optimizerBytes(), 0);
        // 12 layers · 5 in flight · 106,954,752 = 6,417,285,120
        assertEquals(6_417_285_120.0, mem.activationsBytes(), 0);
        assertEquals(49_915_920_384.0, mem.totalBytes(), 0);
        assertTrue(mem.fits());
        assertEquals(3, mem.stage());
    }

    @Test
    void overflowMessageNamesStageDeviceAndLargestPart() {
        StageMemory m = new StageMemory(3, "a100-80gb-sxm", 10 * GIB, 10 * GIB, 12.1 * GIB, 61 * GIB, 80 * GIB);
        assertEquals("stage 3 on a100-80gb-sxm needs 93.1 GiB of 80.0 GiB; largest: activations 61.0 GiB",
                TrainingMemory.overflowMessage(m));
        StageMemory optimizerHeavy = new StageMemory(0, "h100-sxm", 10 * GIB, 10 * GIB, 60 * GIB, 5 * GIB, 80 * GIB);
        assertEquals("stage 0 on h100-sxm needs 85.0 GiB of 80.0 GiB; largest: optimizer states 60.0 GiB",
                TrainingMemory.overflowMessage(optimizerHeavy));

        // GPT-3 stage 0 without recompute or SP: 16 B · 2,822,473,728 = 45,159,579,648 of model states
        // + 96 · 578,813,952 + 8 masks · sbh 25,165,824 = 55,767,465,984 (51.9 GiB) → 93.996 GiB
        ModelSpec gpt3 = gpt3();
        ParallelPlan p = plan(1, 8, 8, false);
        StageMemory tooBig = TrainingMemory.stage(gpt3, p, 0, StageShare.even(gpt3, p, 0), 1, 2048, Recompute.NONE,
                AttentionKernel.UNFUSED, 0, OffloadTarget.NONE, 8, "a100-80gb-sxm", DataSize.ofGiB(80).bytes());
        assertFalse(tooBig.fits());
        assertEquals("stage 0 on a100-80gb-sxm needs 94.0 GiB of 80.0 GiB; largest: activations 51.9 GiB",
                TrainingMemory.overflowMessage(tooBig));
    }

    @Test
    void rejectsWhatItCannotModel() {
        ModelSpec m = gpt3();
        assertThrows(IllegalArgumentException.class, () -> StageShare.even(m, plan(1, 8, 7, false), 0));
        assertThrows(IllegalArgumentException.class, () -> StageShare.even(m, plan(1, 8, 8, false), 8));
        assertThrows(IllegalArgumentException.class, () -> new StageShare(12, 5, false, false));
        ModelSpec moe = new ModelSpec("moe", "test", 4096, 32, 32, 8, 128, 14336, 32000, MlpKind.SWIGLU, false,
                false, false, false, 4096, 0, new MoeSpec(8, 2, 0, 14336, 3), null, "test"); // 3 dense layers first
        assertThrows(UnsupportedOperationException.class, () -> TrainingMemory.activationBytesPerLayer(moe,
                plan(1, 1, 1, false), 1, 4096, Recompute.NONE, AttentionKernel.FUSED));
        assertThrows(IllegalArgumentException.class, () -> TrainingMemory.stageActivationBytes(m, plan(1, 8, 8, true),
                StageShare.even(m, plan(1, 8, 8, true), 0), 1, 2048, Recompute.NONE, AttentionKernel.FUSED, 0));
    }

    private static double total(ModelStateBytes s) {
        return s.weightsBytes() + s.gradientsBytes() + s.optimizerBytes();
    }
}
