package io.xpusim.compute;

import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.Operator;
import io.xpusim.units.Precision;

/**
 * Roofline with achieved efficiencies: an operator takes the longer of its math time and its memory time,
 * {@code max(flops / (peak · eff_c), bytes / (bw · eff_m))}.
 *
 * <p>GEMM efficiency depends on shape: a GEMM with few rows (a small batch) cannot fill the tensor
 * cores, so {@code eff_c(rows) = eff_gemm · rows / (rows + halfRows)} — half of the best efficiency at
 * {@code halfRows} rows, approaching it for large batches. Attention uses the device's fused-attention
 * efficiency; element-wise operators are memory-bound.
 *
 * <p>GEMMs may run at another precision than attention: with 8-bit weights (FP8, INT8) serving engines quantize the
 * activations too and multiply at the 8-bit rate (W8A8), while attention stays at the activation precision.
 */
public final class RooflineCostModel implements CostModel {
    private final DeviceProfile device;
    private final double peakFlopsPerSecond;
    private final double gemmPeakFlopsPerSecond;
    private final double achievedMemoryBytesPerSecond;

    public RooflineCostModel(DeviceProfile device, Precision math) {
        this(device, math, math);
    }

    /** GEMMs at {@code gemmMath}'s peak, attention at {@code math}'s. */
    public RooflineCostModel(DeviceProfile device, Precision math, Precision gemmMath) {
        this.device = device;
        this.peakFlopsPerSecond = device.peakFlopsPerSecond(math);
        this.gemmPeakFlopsPerSecond = device.peakFlopsPerSecond(gemmMath);
        if (peakFlopsPerSecond <= 0 || gemmPeakFlopsPerSecond <= 0) {
            throw new IllegalArgumentException("device " + device.name() + " has no "
                    + (peakFlopsPerSecond <= 0 ? math : gemmMath).yamlName() + " peak");
        }
        this.achievedMemoryBytesPerSecond = device.memory().achievedBandwidthBytesPerSecond();
    }

    /**
     * The precision GEMMs run at when weights are stored at {@code weights}: the 8-bit rate for FP8/INT8 weights on a
     * device that has it (W8A8), else {@code activations} (weight-only formats are dequantized to it).
     */
    public static Precision gemmPrecision(DeviceProfile device, Precision weights, Precision activations) {
        boolean eightBit = weights == Precision.FP8 || weights == Precision.INT8;
        return eightBit && device.peakFlopsPerSecond(weights) > 0 ? weights : activations;
    }

    /** Achieved fraction of peak for a GEMM with {@code rows} rows. */
    public double gemmEfficiency(double rows) {
        return device.gemmEfficiency() * rows / (rows + device.gemmHalfRows());
    }

    @Override
    public double seconds(Operator op) {
        return Math.max(mathSeconds(op), op.bytes() / achievedMemoryBytesPerSecond);
    }

    private double mathSeconds(Operator op) {
        return switch (op.kind()) {
            case GEMM -> op.rows() <= 0 ? 0 : op.flops() / (gemmPeakFlopsPerSecond * gemmEfficiency(op.rows()));
            case ATTENTION -> op.flops() / (peakFlopsPerSecond * device.attentionEfficiency());
            case ELEMENTWISE -> 0;
        };
    }

    /** The math-bound operators' time: those whose math time exceeds their memory time. */
    @Override
    public double computeBoundSeconds(Iterable<Operator> ops) {
        double total = 0;
        for (Operator op : ops) {
            double math = mathSeconds(op);
            if (math > op.bytes() / achievedMemoryBytesPerSecond) {
                total += math * op.repeat();
            }
        }
        return total;
    }
}
