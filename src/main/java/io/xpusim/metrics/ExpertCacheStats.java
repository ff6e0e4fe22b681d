package io.xpusim.metrics;

/**
 * What one replica's expert offloading did over a run: every use of a routed expert in an iteration's MoE layer (an
 * access) served from the GPU cache (hit), by a correct prefetch, by a demand fetch from the expert tier, or by the
 * host CPU; prefetches that named a wrong expert; bytes read from the tier; and the time layers waited beyond their
 * all-resident time (stall).
 */
public final class ExpertCacheStats {
    /** How an access was served. */
    public enum Outcome { HIT, PREFETCHED, FETCHED, CPU }

    private final long[] outcomes = new long[Outcome.values().length];
    private long prefetchesIssued;
    private long prefetchesWasted;
    private double tierReadBytes;
    private double stallSeconds;
    private double cpuSeconds;
    private double dequantSeconds;

    public void access(Outcome o) {
        outcomes[o.ordinal()]++;
    }

    /** A prefetch was issued; {@code wasted} when it named an expert the layer does not use. */
    public void prefetch(boolean wasted) {
        prefetchesIssued++;
        if (wasted) {
            prefetchesWasted++;
        }
    }

    public void tierRead(double bytes) {
        tierReadBytes += bytes;
    }

    public void stall(double seconds) {
        stallSeconds += seconds;
    }

    public void cpu(double seconds) {
        cpuSeconds += seconds;
    }

    public void dequant(double seconds) {
        dequantSeconds += seconds;
    }

    public long count(Outcome o) {
        return outcomes[o.ordinal()];
    }

    public long accesses() {
        long n = 0;
        for (long c : outcomes) {
            n += c;
        }
        return n;
    }

    /** Hits / accesses, or NaN before any access. */
    public double hitRate() {
        long a = accesses();
        return a == 0 ? Double.NaN : count(Outcome.HIT) / (double) a;
    }

    public long prefetchesIssued() {
        return prefetchesIssued;
    }

    public long prefetchesWasted() {
        return prefetchesWasted;
    }

    public double tierReadBytes() {
        return tierReadBytes;
    }

    public double stallSeconds() {
        return stallSeconds;
    }

    public double cpuSeconds() {
        return cpuSeconds;
    }

    public double dequantSeconds() {
        return dequantSeconds;
    }

    /** Adds another replica's counts. */
    public void merge(ExpertCacheStats o) {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] += o.outcomes[i];
        }
        prefetchesIssued += o.prefetchesIssued;
        prefetchesWasted += o.prefetchesWasted;
        tierReadBytes += o.tierReadBytes;
        stallSeconds += o.stallSeconds;
        cpuSeconds += o.cpuSeconds;
        dequantSeconds += o.dequantSeconds;
    }
}
