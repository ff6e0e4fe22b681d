package io.xpusim.collective;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import java.util.List;

/**
 * A collective microbenchmark as configured, like nccl-tests: one operation over a group at each of
 * several message sizes.
 *
 * @param groupSize  devices taking part, the first {@code groupSize} of the cluster (all of them by default)
 * @param sizesBytes message sizes, nccl-tests convention (see {@link CollectiveEngine#run})
 * @param skew       all-to-all only: Zipf exponent of how each rank's bytes spread over destinations
 *                   (0 = uniform; larger = hotter hot spots, as with skewed MoE routing)
 */
public record CollectiveBenchmark(CollectiveOp op, int groupSize, List<Double> sizesBytes, CollectiveAlgorithm algorithm,
                                  double skew) {

    /**
     * The all-to-all byte matrix for a per-rank send size: rank i sends to rank j a share proportional to
     * 1 / (1 + ((j − i − 1) mod n))^skew of its bytes, so every rank has its own hot destination (its
     * successor) and the totals stay {@code bytesPerRank}.
     */
    public double[][] allToAllMatrix(double bytesPerRank) {
        int n = groupSize;
        double[] weight = new double[n - 1];
        double sum = 0;
        for (int d = 0; d < n - 1; d++) {
            weight[d] = 1.0 / Math.pow(1 + d, skew);
            sum += weight[d];
        }
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < n - 1; d++) {
                m[i][(i + 1 + d) % n] = bytesPerRank * weight[d] / sum;
            }
        }
        return m;
    }

    /** The participating devices. */
    public List<Device> members(Cluster cluster) {
        return cluster.devices().subList(0, groupSize);
    }
}
