package io.xpusim.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.hardware.DeviceKind;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.MemoryKind;
import io.xpusim.hardware.MemoryProfile;
import io.xpusim.model.OpKind;
import io.xpusim.model.Operator;
import io.xpusim.units.Precision;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Roofline times on H100-like numbers, compute- and memory-bound cases worked by hand. */
class RooflineCostModelTest {
    static final double PEAK = 989e12;       // bf16 dense FLOP/s
    static final double BW = 3.35e12;        // HBM3 B/s
    static final double MEM_EFF = 0.9;       // achieved 3.015e12 B/s
    static final double GEMM_EFF = 0.8;
    static final double HALF_ROWS = 148;
    static final double ATT_EFF = 0.332;

    static DeviceProfile h100Like() {
        EnumMap<Precision, Double> peaks = new EnumMap<>(Precision.class);
        peaks.put(Precision.BF16, PEAK);
        peaks.put(Precision.FP8, 2 * PEAK);
        MemoryProfile hbm = new MemoryProfile("hbm3", MemoryKind.HBM, 80e9, BW, MEM_EFF, 0, Map.of());
        return new DeviceProfile("h100-like", DeviceKind.GPU, "test", peaks, hbm, GEMM_EFF, HALF_ROWS, ATT_EFF,
                700, 3, 0, 0, Map.of());
    }

    private final RooflineCostModel model = new RooflineCostModel(h100Like(), Precision.BF16);

    @Test
    void largeGemmIsComputeBound() {
        // 4096 × 8192 · 8192 × 8192 in bf16
        double rows = 4096;
        double flops = 2 * rows * 8192 * 8192;                       // 549,755,813,888
        double bytes = 8192.0 * 8192 * 2 + rows * (8192 + 8192) * 2;  // 134,217,728 + 134,217,728 = 268,435,456
        Operator op = new Operator("gemm", OpKind.GEMM, flops, bytes, rows, 1);
        // efficiency 0.8 · 4096 / (4096 + 148) = 0.772102…; compute time = 5.4976e11 / (989e12 · 0.7721) ≈ 7.20e-4 s
        double expected = flops / (PEAK * GEMM_EFF * rows / (rows + HALF_ROWS));
        // memory time = 2.684e8 / 3.015e12 ≈ 8.9e-5 s, well below: compute-bound
        double memory = bytes / (BW * MEM_EFF);
        assertTrue(expected > 5 * memory);
        assertEquals(expected, model.seconds(op), expected * 1e-12);
        assertEquals(7.2e-4, model.seconds(op), 0.01e-4);
        assertEquals(GEMM_EFF * 4096 / 4244, model.gemmEfficiency(4096), 1e-15);
        // half of the best efficiency at halfRows rows: 0.8 · 148 / 296 = 0.4
        assertEquals(0.4, model.gemmEfficiency(HALF_ROWS), 1e-15);
    }

    @Test
    void oneRowGemmIsMemoryBound() {
        double flops = 2.0 * 1 * 8192 * 8192;                  // 134,217,728
        double bytes = 8192.0 * 8192 * 2 + 1 * (8192 + 8192) * 2; // 134,217,728 + 32,768 = 134,250,496
        Operator op = new Operator("gemv", OpKind.GEMM, flops, bytes, 1, 1);
        // memory: 134,250,496 / (3.35e12 · 0.9 = 3.015e12) ≈ 4.4527e-5 s
        // compute: 1.342e8 / (989e12 · 0.8 · 1/149 ≈ 5.31e12) ≈ 2.53e-5 s → memory wins
        double expected = bytes / (BW * MEM_EFF);
        assertEquals(expected, model.seconds(op), expected * 1e-12);
        assertEquals(4.4527e-5, model.seconds(op), 0.0001e-5);
    }

    @Test
    void elementwiseIsBytesOverAchievedBandwidth() {
        // flops are ignored: 3.015e9 B / 3.015e12 B/s = 1 ms
        Operator op = new Operator("norm", OpKind.ELEMENTWISE, 1e15, 3.015e9, 100, 1);
        assertEquals(1e-3, model.seconds(op), 1e-15);
    }

    @Test
    void attentionUsesAttentionEfficiency() {
        // compute: 989e12 · 0.332 = 3.28348e14 FLOP/s; 3.28348e12 FLOPs → 10 ms; bytes tiny
        Operator op = new Operator("att", OpKind.ATTENTION, PEAK * ATT_EFF * 0.01, 1000, 10, 1);
        assertEquals(0.01, model.seconds(op), 1e-15);
        // memory-bound attention: 3.015e10 B → 10 ms, flops tiny
        Operator mem = new Operator("att", OpKind.ATTENTION, 1, 3.015e10, 10, 1);
        assertEquals(0.01, model.seconds(mem), 1e-15);
    }

    @Test
    void zeroRowGemmCostsOnlyItsBytes() {
        Operator op = new Operator("gemm", OpKind.GEMM, 0, 3.015e9, 0, 1);
        assertEquals(1e-3, model.seconds(op), 1e-15);
    }

    @Test
    void precisionSelectsThePeak() {
        RooflineCostModel fp8 = new RooflineCostModel(h100Like(), Precision.FP8);
        // attention at twice the peak takes half the time: 3.28348e12 FLOPs / (2 · 3.28348e14) = 5 ms
        Operator op = new Operator("att", OpKind.ATTENTION, PEAK * ATT_EFF * 0.01, 1000, 10, 1);
        assertEquals(0.005, fp8.seconds(op), 1e-15);
        // no fp32 peak in this profile
        assertThrows(IllegalArgumentException.class, () -> new RooflineCostModel(h100Like(), Precision.FP32));
    }

    @Test
    void eightBitWeightsRunGemmsAtTheEightBitPeakAndAttentionAtTheActivations() {
        assertEquals(Precision.FP8, RooflineCostModel.gemmPrecision(h100Like(), Precision.FP8, Precision.BF16));
        // no int8 peak in this profile, and 4-bit weights are dequantized: both multiply at bf16
        assertEquals(Precision.BF16, RooflineCostModel.gemmPrecision(h100Like(), Precision.INT8, Precision.BF16));
        assertEquals(Precision.BF16, RooflineCostModel.gemmPrecision(h100Like(), Precision.INT4, Precision.BF16));
        RooflineCostModel w8a8 = new RooflineCostModel(h100Like(), Precision.BF16, Precision.FP8);
        double rows = 4096;
        Operator gemm = new Operator("gemm", OpKind.GEMM, 2 * rows * 8192 * 8192, 1000, rows, 1);
        assertEquals(model.seconds(gemm) / 2, w8a8.seconds(gemm), 1e-15);
        Operator att = new Operator("att", OpKind.ATTENTION, PEAK * ATT_EFF * 0.01, 1000, 10, 1);
        assertEquals(0.01, w8a8.seconds(att), 1e-15);
    }

    @Test
    void listCostSumsRepeats() {
        Operator a = new Operator("a", OpKind.ELEMENTWISE, 0, 3.015e9, 1, 32); // 1 ms × 32
        Operator b = new Operator("b", OpKind.ELEMENTWISE, 0, 6.03e9, 1, 1);   // 2 ms × 1
        // 32 ms + 2 ms = 34 ms
        assertEquals(0.034, model.seconds(List.of(a, b)), 1e-12);
    }
}
