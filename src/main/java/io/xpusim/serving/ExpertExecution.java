package io.xpusim.serving;

import io.xpusim.compute.CostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.metrics.ExpertLoad;
import io.xpusim.model.ExpertPlacement;
import io.xpusim.model.ForwardPass;
import io.xpusim.resource.Resource;
import io.xpusim.workload.ExpertRouting;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * The routed experts of one replica's iterations. For every MoE layer of an iteration it draws where the batch's
 * tokens go ({@link ExpertRouting}), asks the {@link ExpertPlacement} which rank holds each expert slot, and costs
 * each rank's grouped GEMMs; under expert parallelism it also builds the dispatch and combine byte matrices.
 *
 * <p>The iteration then runs all MoE layers' expert work per rank as one activity and all their dispatches (and
 * combines) as one all-to-all on the fabric with the summed matrix. What that lumping would hide — every layer waits
 * for its own slowest rank and its own slowest all-to-all — is returned as two excesses: Σ<sub>l</sub> max<sub>r</sub>
 * c<sub>rl</sub> − max<sub>r</sub> Σ<sub>l</sub> c<sub>rl</sub> for compute, and Σ<sub>l</sub> τ(M<sub>l</sub>) −
 * τ(Σ<sub>l</sub> M<sub>l</sub>) for communication, where τ(M) is the time of matrix M alone on the fabric's busiest
 * link (bytes crossing it / its capacity).
 *
 * <p>Tokens leave each rank in equal shares (the batch is split evenly over attention groups and, within a group,
 * over its tp ranks), so rank i sends rank j the fraction 1/ranks of what j's experts receive; a token is sent once
 * per selected expert (DeepEP's per-rank deduplication is not modelled: an upper bound).
 */
final class ExpertExecution {
    private final ForwardPass pass;
    private final CostModel costs;
    private final ExpertRouting routing;
    private final ExpertPlacement placement;
    private final int expertTp;
    private final boolean overlap;
    private final double dispatchBytesPerToken;
    private final double combineBytesPerToken;
    private final java.util.random.RandomGenerator rng;
    private final ExpertLoad load;
    private final int ranks;
    private final double[] counts;
    private final double[][] slotRows;
    private final double[] slotCache = new double[1 << 16];
    private final double[] recv;
    /** Links the all-to-all crosses: capacity and, per destination rank, the share of its tokens crossing it. */
    private final double[] linkCapacity;
    private final double[][] dispatchShare;
    private final double[][] combineShare;

    /** The result of one iteration's MoE layers (reused between iterations). */
    static final class Step {
        final double[] rankSeconds;
        double criticalSeconds;
        double computeExcessSeconds;
        double commExcessSeconds;
        final double[][] dispatch;
        final double[][] combine;
        /** Tokens each expert received in each MoE layer, {@code [layer][expert]}. */
        final double[][] layerCounts;
        double bytes;

        Step(int ranks, int layers, int experts) {
            rankSeconds = new double[ranks];
            layerCounts = new double[layers][experts];
            dispatch = new double[ranks][ranks];
            combine = new double[ranks][ranks];
        }

        double meanRankSeconds() {
            double s = 0;
            for (double r : rankSeconds) {
                s += r;
            }
            return s / rankSeconds.length;
        }
    }

    private final Step step;

    /**
     * @param devices   the expert-parallel ranks (all of the replica's devices), or one device's list when the experts
     *                  are tensor-parallel ({@code expertTp} = tp), where no all-to-all runs
     */
    ExpertExecution(ForwardPass pass, CostModel costs, ExpertRouting routing, ExpertPlacement placement, int expertTp,
                    boolean overlap, double dispatchBytesPerToken, double combineBytesPerToken, RandomGenerator rng,
                    Cluster cluster, List<Device> devices, ExpertLoad load) {
        this.pass = pass;
        this.costs = costs;
        this.routing = routing;
        this.placement = placement;
        this.expertTp = expertTp;
        this.overlap = overlap;
        this.dispatchBytesPerToken = dispatchBytesPerToken;
        this.combineBytesPerToken = combineBytesPerToken;
        this.rng = new java.util.SplittableRandom(rng.nextLong()); // seeded from the named stream
        this.load = load;
        this.ranks = placement.ranks();
        this.counts = new double[placement.experts()];
        this.slotRows = new double[ranks][placement.slotsPerRank()];
        this.recv = new double[ranks];
        this.step = new Step(ranks, routing.layers(), placement.experts());
        // which links each rank pair's flow crosses, as per-destination shares (source shares are all 1/ranks)
        Map<Resource, Integer> index = new IdentityHashMap<>();
        List<Resource> links = new ArrayList<>();
        List<double[]> d = new ArrayList<>();
        List<double[]> c = new ArrayList<>();
        for (int i = 0; i < ranks && ranks > 1; i++) {
            for (int j = 0; j < ranks; j++) {
                if (i == j) {
                    continue;
                }
                for (Resource r : cluster.route(devices.get(i), devices.get(j)).hops()) {
                    Integer k = index.get(r);
                    if (k == null) {
                        k = links.size();
                        index.put(r, k);
                        links.add(r);
                        d.add(new double[ranks]);
                        c.add(new double[ranks]);
                    }
                    d.get(k)[j] += 1.0 / ranks; // i → j carries 1/ranks of what j's experts receive
                    c.get(k)[i] += 1.0 / ranks; // combine: i → j returns 1/ranks of what i's experts computed
                }
            }
        }
        this.linkCapacity = links.stream().mapToDouble(Resource::capacityPerSecond).toArray();
        this.dispatchShare = d.toArray(new double[0][]);
        this.combineShare = c.toArray(new double[0][]);
    }

    int ranks() {
        return ranks;
    }

    ExpertLoad load() {
        return load;
    }

    /** Routes, costs and records the MoE layers of an iteration of {@code tokens} tokens. */
    Step step(long tokens) {
        java.util.Arrays.fill(step.rankSeconds, 0);
        step.criticalSeconds = 0;
        double layerComm = 0;
        double[] totalRecv = new double[ranks];
        for (int l = 0; l < routing.layers(); l++) {
            routing.draw(l, tokens, rng, counts);
            System.arraycopy(counts, 0, step.layerCounts[l], 0, counts.length);
            placement.slotTokens(l, counts, slotRows);
            double slowest = 0;
            for (int r = 0; r < ranks; r++) {
                double seconds = rankSeconds(slotRows[r]);
                step.rankSeconds[r] += seconds;
                slowest = Math.max(slowest, seconds);
                double received = 0;
                for (double n : slotRows[r]) {
                    received += n;
                }
                recv[r] = received;
                totalRecv[r] += received;
            }
            step.criticalSeconds += slowest;
            load.layer(counts, recv);
            if (ranks > 1) {
                layerComm += allToAllSeconds(recv);
            }
        }
        double busiest = 0;
        for (double s : step.rankSeconds) {
            busiest = Math.max(busiest, s);
        }
        step.computeExcessSeconds = step.criticalSeconds - busiest;
        step.commExcessSeconds = ranks > 1 ? Math.max(0, layerComm - allToAllSeconds(totalRecv)) : 0;
        step.bytes = 0;
        for (int i = 0; i < ranks; i++) {
            for (int j = 0; j < ranks; j++) {
                double share = i == j ? 0 : totalRecv[j] / ranks;
                step.dispatch[i][j] = share * dispatchBytesPerToken;
                step.combine[j][i] = share * combineBytesPerToken;
                step.bytes += step.dispatch[i][j] + step.combine[j][i];
            }
        }
        return step;
    }

    /** One rank's grouped GEMMs for one layer; with overlap, two micro-batches of half the rows each. */
    private double rankSeconds(double[] rows) {
        int batches = overlap ? 2 : 1;
        double total = 0;
        double seconds = 0;
        for (double r : rows) {
            double n = r / batches;
            total += n;
            seconds += slotSeconds(n);
        }
        return total <= 0 ? 0 : batches * (seconds + costs.seconds(pass.expertPermute(total)));
    }

    /** GPU time of one expert over {@code rows} tokens on each of its devices (its slice under tensor parallelism). */
    double expertSeconds(double rows) {
        return slotSeconds(rows);
    }

    /**
     * One expert slot over {@code rows} tokens, memoised by whole rows (a GEMM has a whole number of rows; counts are
     * fractional only where a replicated expert's tokens are split or a large batch's binomial counts are rescaled).
     */
    private double slotSeconds(double rows) {
        long n = Math.round(rows);
        if (n <= 0) {
            return 0;
        }
        if (n >= slotCache.length) {
            return costs.seconds(pass.expertSlot(n, expertTp));
        }
        double c = slotCache[(int) n];
        if (c == 0) {
            c = costs.seconds(pass.expertSlot(n, expertTp));
            slotCache[(int) n] = c;
        }
        return c;
    }

    /** τ of one dispatch then combine whose ranks receive {@code received} tokens: the busiest link's bytes / capacity. */
    private double allToAllSeconds(double[] received) {
        double dispatch = 0;
        double combine = 0;
        for (int k = 0; k < linkCapacity.length; k++) {
            double d = 0;
            double c = 0;
            double[] ds = dispatchShare[k];
            double[] cs = combineShare[k];
            for (int j = 0; j < ranks; j++) {
                d += ds[j] * received[j];
                c += cs[j] * received[j];
            }
            dispatch = Math.max(dispatch, d * dispatchBytesPerToken / linkCapacity[k]);
            combine = Math.max(combine, c * combineBytesPerToken / linkCapacity[k]);
        }
        return dispatch + combine;
    }
}
