package io.xpusim.compute;

import io.xpusim.model.Operator;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Operator times measured on real hardware, looked up by operator name and interpolated linearly in the
 * row count between measured points (and scaled proportionally beyond the largest one). Operators the
 * table does not cover fall back to another model, usually the roofline.
 */
public final class MeasuredCostModel implements CostModel {
    private final Map<String, double[][]> curves;
    private final CostModel fallback;

    /**
     * @param samples per operator name, pairs {rows, seconds}
     */
    public MeasuredCostModel(Map<String, double[][]> samples, CostModel fallback) {
        Map<String, double[][]> sorted = new TreeMap<>();
        for (Map.Entry<String, double[][]> e : samples.entrySet()) {
            double[][] pts = e.getValue().clone();
            if (pts.length == 0) {
                throw new IllegalArgumentException("no samples for operator " + e.getKey());
            }
            Arrays.sort(pts, (x, y) -> Double.compare(x[0], y[0]));
            sorted.put(e.getKey(), pts);
        }
        this.curves = sorted;
        this.fallback = fallback;
    }

    @Override
    public double seconds(Operator op) {
        double[][] pts = curves.get(op.name());
        if (pts == null) {
            return fallback.seconds(op);
        }
        double rows = op.rows();
        if (rows <= pts[0][0]) {
            return pts[0][1];
        }
        double[] last = pts[pts.length - 1];
        if (rows >= last[0]) {
            return last[1] * rows / last[0];
        }
        for (int i = 1; i < pts.length; i++) {
            if (rows <= pts[i][0]) {
                double[] lo = pts[i - 1];
                double[] hi = pts[i];
                return lo[1] + (hi[1] - lo[1]) * (rows - lo[0]) / (hi[0] - lo[0]);
            }
        }
        throw new AssertionError("unreachable");
    }
}
