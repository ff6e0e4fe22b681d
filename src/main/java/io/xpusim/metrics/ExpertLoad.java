package io.xpusim.metrics;

/**
 * What one replica's routed experts did over a run: tokens each expert and each expert-parallel rank received
 * (summed over MoE layers and iterations), the per-layer load imbalance, and where the MoE part of the iteration time
 * went. One per replica; {@link #merge} sums replicas of the same shape.
 */
public final class ExpertLoad {
    private final double[] tokensPerExpert;
    private final double[] tokensPerRank;
    private double sumMaxExpert;
    private double sumMeanExpert;
    private double sumMaxRank;
    private double sumMeanRank;
    private long layerSamples;
    private double expertCriticalSeconds;
    private double expertMeanSeconds;
    private double allToAllSeconds;
    private double allToAllExposedSeconds;
    private double allToAllBytes;
    private double iterationSeconds;

    public ExpertLoad(int experts, int ranks) {
        this.tokensPerExpert = new double[experts];
        this.tokensPerRank = new double[ranks];
    }

    /** One MoE layer of one iteration: tokens per expert and tokens per rank (the rank's slots summed). */
    public void layer(double[] perExpert, double[] perRank) {
        sumMaxExpert += accumulate(perExpert, tokensPerExpert);
        sumMeanExpert += mean(perExpert);
        sumMaxRank += accumulate(perRank, tokensPerRank);
        sumMeanRank += mean(perRank);
        layerSamples++;
    }

    /** Adds {@code x} into {@code into}; returns the largest entry of {@code x}. */
    private static double accumulate(double[] x, double[] into) {
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            into[i] += x[i];
            m = Math.max(m, x[i]);
        }
        return m;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /**
     * One iteration's MoE times: the slowest rank's expert compute summed over layers ({@code critical}), the mean
     * rank's, the all-to-alls' span (dispatch and combine, per-layer synchronisation included), how much of the
     * iteration they added beyond computation ({@code exposed}), their bytes on the wire, and the iteration's length.
     */
    public void iteration(double critical, double meanRank, double allToAll, double exposed, double bytes, double total) {
        expertCriticalSeconds += critical;
        expertMeanSeconds += meanRank;
        allToAllSeconds += allToAll;
        allToAllExposedSeconds += exposed;
        allToAllBytes += bytes;
        iterationSeconds += total;
    }

    /** Adds another replica's record of the same shape. */
    public void merge(ExpertLoad o) {
        for (int i = 0; i < tokensPerExpert.length; i++) {
            tokensPerExpert[i] += o.tokensPerExpert[i];
        }
        for (int i = 0; i < Math.min(tokensPerRank.length, o.tokensPerRank.length); i++) {
            tokensPerRank[i] += o.tokensPerRank[i];
        }
        sumMaxExpert += o.sumMaxExpert;
        sumMeanExpert += o.sumMeanExpert;
        sumMaxRank += o.sumMaxRank;
        sumMeanRank += o.sumMeanRank;
        layerSamples += o.layerSamples;
        expertCriticalSeconds += o.expertCriticalSeconds;
        expertMeanSeconds += o.expertMeanSeconds;
        allToAllSeconds += o.allToAllSeconds;
        allToAllExposedSeconds += o.allToAllExposedSeconds;
        allToAllBytes += o.allToAllBytes;
        iterationSeconds += o.iterationSeconds;
    }

    /** Tokens each expert received, summed over MoE layers and iterations. */
    public double[] tokensPerExpert() {
        return tokensPerExpert.clone();
    }

    /** Tokens each expert-parallel rank received, summed over MoE layers and iterations. */
    public double[] tokensPerRank() {
        return tokensPerRank.clone();
    }

    /** Σ over layers of the busiest expert's tokens / Σ of the mean expert's: max/mean tokens per expert, 1 = even. */
    public double expertImbalance() {
        return sumMeanExpert == 0 ? 1 : sumMaxExpert / sumMeanExpert;
    }

    /** The same per expert-parallel rank: what sets the slowest rank's share of the work. */
    public double rankImbalance() {
        return sumMeanRank == 0 ? 1 : sumMaxRank / sumMeanRank;
    }

    public long layerSamples() {
        return layerSamples;
    }

    public double expertCriticalSeconds() {
        return expertCriticalSeconds;
    }

    /** Time ranks waited on the slowest one in expert compute: critical path minus the mean rank's work. */
    public double expertStragglerSeconds() {
        return expertCriticalSeconds - expertMeanSeconds;
    }

    public double allToAllSeconds() {
        return allToAllSeconds;
    }

    public double allToAllExposedSeconds() {
        return allToAllExposedSeconds;
    }

    public double allToAllBytes() {
        return allToAllBytes;
    }

    public double iterationSeconds() {
        return iterationSeconds;
    }
}
