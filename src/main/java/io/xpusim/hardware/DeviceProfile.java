package io.xpusim.hardware;

import io.xpusim.units.DataSize;
import io.xpusim.units.Precision;
import java.util.EnumMap;
import java.util.Map;

/**
 * A compute device model (GPU, NPU or CPU): dense peak FLOP/s per precision, its local memory, the
 * efficiencies that turn peaks into achieved rates, power and price.
 *
 * @param gemmEfficiency      best achieved dense-GEMM fraction of peak (large shapes)
 * @param gemmHalfRows        GEMM row count at which the achieved fraction is half of {@code gemmEfficiency}
 * @param attentionEfficiency achieved fraction of peak in fused (flash) attention
 * @param kernelLaunchPicos   CPUs only: host time to launch one accelerator kernel
 * @param singleThreadSpeed   CPUs only: one core's speed at serial (Python framework) code relative to the
 *                            reference core the serving runtime's host overheads were calibrated on (Zen 2, EPYC 7742
 *                            at 3.4 GHz = 1.0); the runtime's per-kernel framework and per-iteration overheads are
 *                            divided by it. 0 for accelerators
 */
public record DeviceProfile(String name, DeviceKind kind, String description,
                            EnumMap<Precision, Double> peakFlopsPerSecond, MemoryProfile memory,
                            double gemmEfficiency, double gemmHalfRows, double attentionEfficiency,
                            double tdpWatts, double pricePerHourUsd, int cores, long kernelLaunchPicos,
                            double singleThreadSpeed, Map<String, String> sources) {

    /** An accelerator, or a CPU at the reference single-thread speed. */
    public DeviceProfile(String name, DeviceKind kind, String description, EnumMap<Precision, Double> peakFlopsPerSecond,
                         MemoryProfile memory, double gemmEfficiency, double gemmHalfRows, double attentionEfficiency,
                         double tdpWatts, double pricePerHourUsd, int cores, long kernelLaunchPicos,
                         Map<String, String> sources) {
        this(name, kind, description, peakFlopsPerSecond, memory, gemmEfficiency, gemmHalfRows, attentionEfficiency,
                tdpWatts, pricePerHourUsd, cores, kernelLaunchPicos, kind == DeviceKind.CPU ? 1.0 : 0.0, sources);
    }

    /** Peak for a precision, or 0 when the device has no such math. */
    public double peakFlopsPerSecond(Precision p) {
        Double v = peakFlopsPerSecond.get(p);
        return v == null ? 0 : v;
    }

    /** One-line spec for `xpusim profiles`. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(kind.name().toLowerCase(java.util.Locale.ROOT));
        double bf16 = peakFlopsPerSecond(Precision.BF16);
        if (bf16 > 0) {
            sb.append(String.format(java.util.Locale.ROOT, ", %.0f TFLOP/s bf16", bf16 / 1e12));
        }
        if (memory != null) {
            sb.append(String.format(java.util.Locale.ROOT, ", %.0f GiB %s at %.2f TB/s", memory.capacityBytes() / DataSize.BYTES_PER_GIB,
                    memory.kind().name(), memory.bandwidthBytesPerSecond() / 1e12));
        }
        if (cores > 0) {
            sb.append(", ").append(cores).append(" cores");
        }
        return sb.toString();
    }
}
