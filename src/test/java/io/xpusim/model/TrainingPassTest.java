package io.xpusim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.units.Precision;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The per-rank operators of one training layer, checked against hand counts from Megatron-LM (Narayanan et al.
 * 2021: 24·b·s·h² GEMM FLOPs and 4·b·s²·h attention FLOPs per layer forward), Korthikanti et al. 2022 (sequence
 * parallelism, selective recompute) and FlashAttention-2 (Dao 2023: causal, backward 2.5× forward).
 */
class TrainingPassTest {

    // a small GPT-style model: h 1024, 16 heads × 64, intermediate 4h, vocab 51200
    private static final int H = 1024;
    private static final int HEADS = 16;
    private static final int D = 64;
    private static final int B = 2;     // micro-batch
    private static final int S = 2048;  // sequence

    static ModelSpec gpt() {
        return new ModelSpec("gpt-1024", "test", H, 24, HEADS, HEADS, D, 4 * H, 51_200, MlpKind.GELU,
                true, true, true, true, S, 0, null, null, "test");
    }

    private static TrainingPass pass(int tp, int cp, boolean sp, AttentionKernel k) {
        return new TrainingPass(gpt(), tp, cp, sp, B, S, Precision.BF16, k);
    }

    private static Map<String, Operator> byName(List<Operator> ops) {
        // names are unique except the two bias-dropout-adds, which are identical: keep the first
        return ops.stream().collect(Collectors.toMap(Operator::name, Function.identity(), (x, y) -> x));
    }

    private static double sum(List<Operator> ops, Set<String> names) {
        return ops.stream().filter(o -> names.contains(o.name())).mapToDouble(Operator::flops).sum();
    }

    private static double sumKind(List<Operator> ops, OpKind kind) {
        return ops.stream().filter(o -> o.kind() == kind).mapToDouble(Operator::flops).sum();
    }

    private static final Set<String> WEIGHT_GEMMS = Set.of("qkv-proj", "o-proj", "fc1", "fc2");

    @Test
    void weightGemmFlopsAre24bsh2OverTp() {
        // Megatron-LM: QKV 2·bs·h·3h + out 2·bs·h·h + fc1 2·bs·h·4h + fc2 2·bs·4h·h = 24·b·s·h², split t ways
        // b 2, s 2048, h 1024: 24·2·2048·1024² = 103,079,215,104
        for (int t : new int[] {1, 2, 8}) {
            for (AttentionKernel k : AttentionKernel.values()) {
                List<Operator> ops = pass(t, 1, false, k).forwardLayer();
                assertEquals(103_079_215_104.0 / t, sum(ops, WEIGHT_GEMMS), 0, "tp " + t + " " + k);
                // each separately: 6, 2, 8, 8 · b·s·h² / t
                Map<String, Operator> m = byName(ops);
                double bsh2 = (double) B * S * H * H / t;
                assertEquals(6 * bsh2, m.get("qkv-proj").flops(), 0);
                assertEquals(2 * bsh2, m.get("o-proj").flops(), 0);
                assertEquals(8 * bsh2, m.get("fc1").flops(), 0);
                assertEquals(8 * bsh2, m.get("fc2").flops(), 0);
            }
        }
    }

    @Test
    void unfusedAttentionComputesTheFullSquare() {
        // QKᵀ and ·V: each 2·b·(a/t)·s²·d = 2·b·s²·h/t; together 4·b·s²·h/t (masking is not discounted)
        // 4·2·2048²·1024 = 34,359,738,368
        for (int t : new int[] {1, 2, 8}) {
            List<Operator> ops = pass(t, 1, false, AttentionKernel.UNFUSED).forwardLayer();
            assertEquals(34_359_738_368.0 / t, sum(ops, Set.of("attention-scores", "attention-values")), 0);
            assertEquals(17_179_869_184.0 / t, byName(ops).get("attention-scores").flops(), 0);
            assertEquals(OpKind.GEMM, byName(ops).get("attention-scores").kind());
        }
    }

    @Test
    void flashAttentionComputesOnlyTheCausalTriangle() {
        // 4·(a/t)·d·b·s(s+1)/2 = 4·16·64·2·(2048·2049/2) = 4096·2·2,098,176 = 17,188,257,792 at t = 1
        for (int t : new int[] {1, 2, 8}) {
            List<Operator> ops = pass(t, 1, false, AttentionKernel.FUSED).forwardLayer();
            Map<String, Operator> m = byName(ops);
            assertEquals(17_188_257_792.0 / t, m.get("flash-attention").flops(), 0);
            assertEquals(OpKind.ATTENTION, m.get("flash-attention").kind());
            assertTrue(!m.containsKey("attention-scores") && !m.containsKey("scale-mask-softmax"));
            // just over half of the unfused full square (the diagonal adds s/2 pairs per row-set)
            assertEquals(0.5 * (S + 1) / S, m.get("flash-attention").flops() / (34_359_738_368.0 / t), 1e-15);
        }
    }

    @Test
    void backwardIsTwiceEveryGemmAndTwoAndAHalfTimesFlashAttention() {
        for (AttentionKernel k : AttentionKernel.values()) {
            TrainingPass p = pass(2, 1, false, k);
            List<Operator> fwd = p.forwardLayer();
            List<Operator> bwd = p.backwardLayer();
            assertEquals(fwd.size(), bwd.size());
            for (int i = 0; i < fwd.size(); i++) {
                Operator f = fwd.get(i);
                Operator g = bwd.get(i);
                assertEquals(f.name() + "-bwd", g.name());
                assertEquals(f.kind(), g.kind());
                if (f.kind() == OpKind.GEMM) {
                    // dgrad + wgrad, each the forward's FLOPs
                    assertEquals(2 * f.flops(), g.flops(), 0, f.name());
                } else if (f.kind() == OpKind.ATTENTION) {
                    // FlashAttention-2 backward: 5 matmuls vs the forward's 2 → 2.5×
                    assertEquals(2.5 * f.flops(), g.flops(), 0, f.name());
                }
            }
            // GEMM backward total: 2 · 24·b·s·h²/t
            assertEquals(2 * 103_079_215_104.0 / 2, sum(bwd, Set.of("qkv-proj-bwd", "o-proj-bwd", "fc1-bwd", "fc2-bwd")), 0);
        }
        // flash backward absolute: 2.5 · 17,188,257,792 / 2 = 21,485,322,240
        Operator fb = byName(pass(2, 1, false, AttentionKernel.FUSED).backwardLayer()).get("flash-attention-bwd");
        assertEquals(21_485_322_240.0, fb.flops(), 0);
    }

    @Test
    void recomputeLayerReturnsWhatTheBackwardReruns() {
        for (AttentionKernel k : AttentionKernel.values()) {
            TrainingPass p = pass(8, 1, true, k);
            assertTrue(p.recomputeLayer(Recompute.NONE).isEmpty());
            assertEquals(p.forwardLayer(), p.recomputeLayer(Recompute.FULL));
        }
        TrainingPass unfused = pass(8, 1, true, AttentionKernel.UNFUSED);
        assertEquals(unfused.attentionCoreForward(), unfused.recomputeLayer(Recompute.SELECTIVE));
        // selective reruns QKᵀ, softmax, dropout, ·V (Korthikanti §4): the full square, 4·b·s²·h/t
        assertEquals(34_359_738_368.0 / 8, sumKind(unfused.recomputeLayer(Recompute.SELECTIVE), OpKind.GEMM), 0);
        // FlashAttention recomputes the scores inside its own backward kernel: nothing extra
        assertTrue(pass(8, 1, true, AttentionKernel.FUSED).recomputeLayer(Recompute.SELECTIVE).isEmpty());
    }

    @Test
    void sequenceParallelismSplitsElementwiseTokensButNotGemms() {
        Set<String> tokenWise = Set.of("input-norm", "bias-dropout-add", "post-attn-norm");
        for (AttentionKernel k : AttentionKernel.values()) {
            // input norm reads and writes b·s·h bf16 elements: 2·2·2048·1024·2 = 16,777,216 bytes without SP
            Map<String, Operator> tp1 = byName(pass(1, 1, false, k).forwardLayer());
            assertEquals(16_777_216.0, tp1.get("input-norm").bytes(), 0);
            // at tp = 1 sequence parallelism changes nothing
            assertEquals(tp1, byName(pass(1, 1, true, k).forwardLayer()));
            // tp = 2 with SP: each rank normalises half the tokens
            Map<String, Operator> tp2sp = byName(pass(2, 1, true, k).forwardLayer());
            assertEquals(16_777_216.0 / 2, tp2sp.get("input-norm").bytes(), 0);

            Map<String, Operator> off = byName(pass(8, 1, false, k).forwardLayer());
            Map<String, Operator> on = byName(pass(8, 1, true, k).forwardLayer());
            // without SP every tp rank redundantly normalises all tokens; with SP 1/8 of them
            assertEquals(16_777_216.0, off.get("input-norm").bytes(), 0);
            assertEquals(1.0 / 8, on.get("input-norm").bytes() / off.get("input-norm").bytes(), 0);
            for (String n : tokenWise) {
                assertEquals(off.get(n).bytes() / 8, on.get(n).bytes(), 0, n);
                assertEquals(off.get(n).flops() / 8, on.get(n).flops(), 0, n);
            }
            // GEMMs (and the attention core, which is split by heads) are untouched
            for (String n : off.keySet()) {
                if (off.get(n).kind() != OpKind.ELEMENTWISE) {
                    assertEquals(off.get(n), on.get(n), n);
                }
            }
            assertEquals(sumKind(off.values().stream().toList(), OpKind.GEMM),
                    sumKind(on.values().stream().toList(), OpKind.GEMM), 0);
        }
    }

    @Test
    void contextParallelismHalvesGemmAndFlashAttentionFlops() {
        Map<String, Operator> cp1 = byName(pass(2, 1, false, AttentionKernel.FUSED).forwardLayer());
        Map<String, Operator> cp2 = byName(pass(2, 2, false, AttentionKernel.FUSED).forwardLayer());
        // each rank holds b·s/cp tokens → 24·b·(s/2)·h²/t
        assertEquals(103_079_215_104.0 / 2 / 2, sum(List.copyOf(cp2.values()), WEIGHT_GEMMS), 0);
        for (String n : WEIGHT_GEMMS) {
            assertEquals(cp1.get(n).flops() / 2, cp2.get(n).flops(), 0, n);
        }
        // load-balanced causal attention: each rank evaluates half of the s(s+1)/2 pairs, against the whole sequence
        // 17,188,257,792 / t 2 / cp 2 = 4,297,064,448
        assertEquals(4_297_064_448.0, cp2.get("flash-attention").flops(), 0);
        assertEquals(cp1.get("flash-attention").flops() / 2, cp2.get("flash-attention").flops(), 0);
        // unfused too: this rank's s/cp rows of the s×s matrix
        double u1 = sum(pass(2, 1, false, AttentionKernel.UNFUSED).forwardLayer(), Set.of("attention-scores", "attention-values"));
        double u2 = sum(pass(2, 2, false, AttentionKernel.UNFUSED).forwardLayer(), Set.of("attention-scores", "attention-values"));
        assertEquals(u1 / 2, u2, 0);
    }

    @Test
    void tensorParallelCollectives() {
        assertEquals(0, pass(1, 1, false, AttentionKernel.FUSED).tpCollectivesPerLayer());
        assertEquals(2, pass(2, 1, false, AttentionKernel.FUSED).tpCollectivesPerLayer());
        assertEquals(2, pass(8, 1, true, AttentionKernel.FUSED).tpCollectivesPerLayer());
        // the all-reduced tensor is the micro-batch's hidden state: b·s/cp·h·2 bytes = 2·2048·1024·2 = 8,388,608
        for (int t : new int[] {1, 2, 8}) {
            assertEquals(8_388_608.0, pass(t, 1, false, AttentionKernel.FUSED).tpCollectiveBytes(), 0);
            // with SP the all-gather/reduce-scatter pair moves the same full tensor
            assertEquals(8_388_608.0, pass(t, 1, true, AttentionKernel.FUSED).tpCollectiveBytes(), 0);
        }
        // cp 2: half the tokens on this rank → 4,194,304
        assertEquals(4_194_304.0, pass(8, 2, true, AttentionKernel.FUSED).tpCollectiveBytes(), 0);
        // fp32 activations double it
        assertEquals(16_777_216.0,
                new TrainingPass(gpt(), 8, 1, false, B, S, Precision.FP32, AttentionKernel.FUSED).tpCollectiveBytes(), 0);
    }

    @Test
    void summedForwardLayerMatchesTrainingFlopsUpToElementwiseWork() {
        // TrainingFlops.layerForward for one sequence: 24·s·h² + 4·s²·h = 51,539,607,552 + 17,179,869,184
        //   = 68,719,476,736; per rank per micro-batch: ·b/t
        ModelSpec m = gpt();
        assertEquals(68_719_476_736.0, TrainingFlops.layerForward(m, S), 0);
        for (int t : new int[] {1, 2, 8}) {
            List<Operator> ops = pass(t, 1, false, AttentionKernel.UNFUSED).forwardLayer();
            double expected = TrainingFlops.layerForward(m, S) * B / t;
            // the GEMM part (weights + QKᵀ + ·V) equals exactly
            assertEquals(expected, sumKind(ops, OpKind.GEMM), 0, "tp " + t);
            assertEquals(0.0, sumKind(ops, OpKind.ATTENTION), 0);
            // the whole layer exceeds it by the element-wise FLOPs only, a small share: per token roughly norms and
            // dropouts ~16·h + GELU ~8·4h/t + softmax/dropout ~7·(a/t)·s against 24·h²/t + 4·s·h/t GEMM FLOPs, i.e.
            // ~0.8% at t = 1 and ~1.2% at t = 8 (norms are replicated without SP); bound it by 2%
            double total = ops.stream().mapToDouble(Operator::flops).sum();
            double elementwise = sumKind(ops, OpKind.ELEMENTWISE);
            assertEquals(expected + elementwise, total, expected * 1e-15);
            assertTrue(elementwise > 0 && elementwise < 0.02 * expected, "element-wise share " + elementwise / expected);
        }
    }

    @Test
    void aMoeLayerComputesEachTokensTopKExpertsWhateverTheExpertParallelism() {
        ModelSpec moe = new ModelSpec("moe", "test", 4096, 32, 32, 8, 128, 14336, 32_000, MlpKind.SWIGLU,
                false, false, false, false, 4096, 0, new MoeSpec(8, 2, 0, 14336, 0), null, "test");
        // 4,096 tokens × top-2 copies × SwiGLU expert 2·3·4096·14336 FLOPs: EP8 puts one expert on the rank with all
        // 8,192 copies the group routes to it (balanced), EP1 all 8 experts with 1,024 rows each — the same FLOPs
        double expected = 4096.0 * 2 * 2 * 3 * 4096 * 14336;
        for (int ep : new int[] {1, 8}) {
            TrainingPass p = new TrainingPass(moe, 1, 1, false, 1, 4096, Precision.BF16, AttentionKernel.FUSED, ep);
            double experts = p.forwardLayer().stream().filter(o -> o.name().startsWith("expert-") && o.kind() == OpKind.GEMM)
                    .mapToDouble(o -> o.flops() * o.repeat()).sum();
            assertEquals(expected, experts, expected * 1e-12, "ep " + ep);
            double backward = p.backwardLayer().stream().filter(o -> o.name().startsWith("expert-") && o.kind() == OpKind.GEMM)
                    .mapToDouble(o -> o.flops() * o.repeat()).sum();
            assertEquals(2 * expected, backward, expected * 1e-12, "ep " + ep);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new TrainingPass(gpt(), 1, 1, false, 1, 4096, Precision.BF16, AttentionKernel.FUSED, 8));
    }
}
