package io.xpusim.workload;

import java.util.Arrays;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Which experts the tokens of a batch choose in each mixture-of-experts layer. Per layer it holds the probability
 * π<sub>e</sub> that one token selects expert e among its top-k (each at most 1, summing to k), from a synthetic
 * Zipf popularity ({@link #synthetic}) or a recorded routing histogram ({@link #fromHistogram}); per batch it draws
 * the tokens each expert receives.
 *
 * <p>Draws: up to {@link #PER_TOKEN_LIMIT} tokens, each token picks exactly k distinct experts by systematic sampling
 * over the cumulative π (one uniform per token; every expert's inclusion probability is exactly its π). Above, each
 * expert's count is binomial(tokens, π<sub>e</sub>) (normal approximation when both tails hold over 30 expected
 * draws), rescaled so that the layer receives exactly tokens · k assignments. Draws take a fast
 * {@link java.util.random.RandomGenerator} (a replica seeds a SplitMix64 generator from its named stream): a large
 * deployment draws tens of thousands of counts per iteration.
 */
public final class ExpertRouting {
    /** Largest batch drawn token by token; larger batches draw one binomial per expert. */
    public static final int PER_TOKEN_LIMIT = 256;

    private final int topK;
    private final double[][] inclusion;
    private final double[][] cumulative;

    private ExpertRouting(int topK, double[][] inclusion) {
        this.topK = topK;
        this.inclusion = inclusion;
        this.cumulative = new double[inclusion.length][];
        for (int l = 0; l < inclusion.length; l++) {
            double[] c = new double[inclusion[l].length];
            double sum = 0;
            for (int e = 0; e < c.length; e++) {
                sum += inclusion[l][e];
                c[e] = sum;
            }
            cumulative[l] = c;
        }
    }

    /**
     * Zipf popularity: in each layer the expert of popularity rank r (1-based) gets weight 1/r<sup>skew</sup> (skew 0:
     * uniform). Which experts hold which rank is a random permutation per layer, except that with probability
     * {@code locality} a layer keeps the previous layer's ranking (the same expert indices hot in consecutive layers).
     * Both are drawn once from {@code rng}.
     */
    public static ExpertRouting synthetic(int layers, int experts, int topK, double skew, double locality,
                                          RandomGenerator rng) {
        double[][] pi = new double[layers][];
        int[] order = null;
        for (int l = 0; l < layers; l++) {
            if (order == null || rng.nextDouble() >= locality) {
                order = permutation(experts, rng);
            }
            double[] w = new double[experts];
            for (int r = 0; r < experts; r++) {
                w[order[r]] = Math.pow(r + 1, -skew);
            }
            pi[l] = inclusionProbabilities(w, topK);
        }
        return new ExpertRouting(topK, pi);
    }

    /** From recorded tokens per expert, {@code tokens[layer][expert]} (each layer with some tokens). */
    public static ExpertRouting fromHistogram(double[][] tokens, int topK) {
        double[][] pi = new double[tokens.length][];
        for (int l = 0; l < tokens.length; l++) {
            pi[l] = inclusionProbabilities(tokens[l], topK);
        }
        return new ExpertRouting(topK, pi);
    }

    /**
     * Probabilities proportional to {@code weights} that sum to k with none above 1: experts whose share would exceed
     * one token's single choice are capped at 1 and the rest rescaled (water filling), since a token picks an expert
     * at most once.
     */
    static double[] inclusionProbabilities(double[] weights, int k) {
        int n = weights.length;
        if (k > n) {
            throw new IllegalArgumentException("top-" + k + " of " + n + " experts");
        }
        double[] pi = new double[n];
        boolean[] capped = new boolean[n];
        int cappedCount = 0;
        while (true) {
            double free = 0;
            for (int e = 0; e < n; e++) {
                if (!capped[e]) {
                    free += weights[e];
                }
            }
            double left = k - cappedCount;
            boolean changed = false;
            for (int e = 0; e < n; e++) {
                if (capped[e]) {
                    pi[e] = 1;
                } else {
                    pi[e] = free > 0 ? weights[e] * left / free : left / (n - cappedCount);
                    if (pi[e] > 1) {
                        capped[e] = true;
                        cappedCount++;
                        changed = true;
                    }
                }
            }
            if (!changed) {
                return pi;
            }
        }
    }

    private static int[] permutation(int n, RandomGenerator rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    public int layers() {
        return inclusion.length;
    }

    public int experts() {
        return inclusion[0].length;
    }

    public int topK() {
        return topK;
    }

    /** π of one layer (MoE layers counted from 0): the expected share of tokens each expert receives. */
    public double[] inclusion(int layer) {
        return inclusion[layer].clone();
    }

    /** Expected tokens per expert of every layer for one token: π, as {@code [layer][expert]}. */
    public double[][] expectedLoad() {
        double[][] out = new double[inclusion.length][];
        for (int l = 0; l < out.length; l++) {
            out[l] = inclusion[l].clone();
        }
        return out;
    }

    /** Draws how many of {@code tokens} tokens go to each expert of {@code layer} into {@code counts}. */
    public void draw(int layer, long tokens, java.util.random.RandomGenerator rng, double[] counts) {
        Arrays.fill(counts, 0);
        if (tokens <= 0) {
            return;
        }
        if (tokens <= PER_TOKEN_LIMIT) {
            double[] c = cumulative[layer];
            for (long t = 0; t < tokens; t++) {
                double u = rng.nextDouble();
                for (int m = 0; m < topK; m++) {
                    counts[find(c, u + m)]++;
                }
            }
            return;
        }
        double[] pi = inclusion[layer];
        double free = 0;
        double fixed = 0;
        for (int e = 0; e < pi.length; e++) {
            counts[e] = binomial(tokens, pi[e], rng);
            if (pi[e] >= 1) {
                fixed += counts[e]; // every token picks it: exact already
            } else {
                free += counts[e];
            }
        }
        if (free > 0) {
            double scale = ((double) tokens * topK - fixed) / free;
            for (int e = 0; e < pi.length; e++) {
                if (pi[e] < 1) {
                    counts[e] = Math.min(tokens, counts[e] * scale);
                }
            }
        }
    }

    /** The first index whose cumulative value exceeds {@code x} (the last for rounding at the top). */
    private static int find(double[] c, double x) {
        int lo = 0;
        int hi = c.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (c[mid] > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Binomial(n, p): by CDF inversion when few successes (or failures) are expected, else normal. */
    static double binomial(long n, double p, java.util.random.RandomGenerator rng) {
        if (p <= 0) {
            return 0;
        }
        if (p >= 1) {
            return n;
        }
        if (n * p < 30) {
            return skips(n, p, rng);
        }
        if (n * (1 - p) < 30) {
            return n - skips(n, 1 - p, rng);
        }
        double x = Math.rint(n * p + Math.sqrt(n * p * (1 - p)) * rng.nextGaussian());
        return Math.max(0, Math.min(n, x));
    }

    /** Binomial(n, p) by inversion of its CDF from 0 upwards: one uniform, O(n·p) multiplications. */
    private static double skips(long n, double p, java.util.random.RandomGenerator rng) {
        double u = rng.nextDouble();
        double ratio = p / (1 - p);
        double pk = Math.exp(n * Math.log1p(-p));
        double cdf = pk;
        long k = 0;
        while (u > cdf && k < n) {
            pk *= ratio * (n - k) / (k + 1);
            k++;
            cdf += pk;
        }
        return k;
    }
}
