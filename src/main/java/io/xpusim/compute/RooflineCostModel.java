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
 */
public final class RooflineCostModel implements CostModel {
    private final DeviceProfile device;
    private final double peakFlopsPerSecond;
    private final double achievedMemoryBytesPerSecond;

    public RooflineCostModel(DeviceProfile device, Precision math) {
        this.device = device;
        this.peakFlopsPerSecond = device.peakFlopsPerSecond(math);
        if (peakFlopsPerSecond <= 0) {
            throw new IllegalArgumentException("device " + device.name() + " has no " + math.yamlName() + " peak");
        }
        this.achievedMemoryBytesPerSecond = device.memory().achievedBandwidthBytesPerSecond();
    }

    /** Achieved fraction of peak for a GEMM with {@code rows} rows. */
    public double gemmEfficiency(double rows) {
        return device.gemmEfficiency() * rows / (rows + device.gemmHalfRows());
    }

    @Override
    public double seconds(Operator op) {
        double memory = op.bytes() / achievedMemoryBytesPerSecond;
        double math = switch (op.kind()) {
            case GEMM -> op.rows() <= 0 ? 0 : op.flops() / (peakFlopsPerSecond * gemmEfficiency(op.rows()));
            case ATTENTION -> op.flops() / (peakFlopsPerSecond * device.attentionEfficiency());
            case ELEMENTWISE -> 0;
        };
        return Math.max(math, memory);
    }
}
