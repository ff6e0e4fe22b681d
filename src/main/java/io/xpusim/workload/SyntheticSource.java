package io.xpusim.workload;

/**
 * Requests drawn from an arrival process and two length distributions, until a request count or a
 * simulated duration is reached (whichever comes first).
 */
public final class SyntheticSource implements RequestSource {
    private final ArrivalProcess arrivals;
    private final LengthDistribution input;
    private final LengthDistribution output;
    private final long maxRequests;
    private final long durationPicos;
    /** A quarter of the picosecond clock's range (about 26 days), leaving room for the work after the last arrival. */
    private static final double MAX_SECONDS = Long.MAX_VALUE / 4.0 / 1e12;
    private double clockSeconds;
    private long issued;

    public SyntheticSource(ArrivalProcess arrivals, LengthDistribution input, LengthDistribution output,
                           long maxRequests, long durationPicos) {
        this.arrivals = arrivals;
        this.input = input;
        this.output = output;
        this.maxRequests = maxRequests;
        this.durationPicos = durationPicos;
    }

    @Override
    public RequestSpec next() {
        if (issued >= maxRequests) {
            return null;
        }
        clockSeconds += arrivals.nextGapSeconds();
        if (clockSeconds > MAX_SECONDS) {
            throw new WorkloadLimitException(String.format(java.util.Locale.ROOT,
                    "synthetic arrivals run past %.0f days, the longest the simulator's clock allows "
                            + "(lower workload.requests, raise the rate, or set workload.duration)", MAX_SECONDS / 86400));
        }
        long at = Math.round(clockSeconds * 1e12);
        if (at > durationPicos) {
            return null;
        }
        return new RequestSpec(issued++, at, input.sample(), output.sample(), RequestSpec.NO_HASHES);
    }
}
