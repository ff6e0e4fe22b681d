package io.xpusim.experiment;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The search for goodput: the highest arrival rate at which a scenario still meets its SLO. Brackets from a
 * start rate — doubling while the SLO holds, halving while it does not, within [min, max] — then bisects the
 * bracket (arithmetic midpoints, rounded to 4 significant digits) until hi ≤ lo·(1 + tolerance). Each probe is
 * one evaluation; the caller makes probes comparable (same seed for every rate), since attainment under noise
 * need not be monotone in the rate and the search trusts that it is.
 */
public final class GoodputSearch {
    private GoodputSearch() {
    }

    /** Evaluates the SLO at one arrival rate. */
    @FunctionalInterface
    public interface Evaluator {
        Probe evaluate(double ratePerSecond);
    }

    /**
     * One probe's outcome: the rate, the SLO attainment (NaN without per-request targets), latency percentiles
     * in seconds, completed requests per second, whether every SLO target was met, and the probe's wall time.
     */
    public record Probe(double rate, double attainment, double ttftP50, double ttftP90, double ttftP99, double tpotP50,
                        double tpotP90, double tpotP99, double throughput, boolean met, double wallSeconds) {
        /** A probe that only says met or not (for tests and fakes). */
        public static Probe of(double rate, boolean met) {
            double nan = Double.NaN;
            return new Probe(rate, nan, nan, nan, nan, nan, nan, nan, rate, met, 0);
        }
    }

    /**
     * The result: the goodput (the highest met rate; 0 when even {@code min} misses), the probes in the order
     * run, and how the search ended: {@code converged}, {@code at-max} (max itself met) or {@code below-min}.
     */
    public record Result(double goodput, List<Probe> probes, String outcome) {
    }

    /** Rounds a rate to 4 significant digits, so probe rates read well and are exactly reproducible. */
    public static double round(double rate) {
        return new BigDecimal(rate).round(new MathContext(4, RoundingMode.HALF_EVEN)).doubleValue();
    }

    /**
     * Searches [min, max] starting from {@code start} (clamped into the range) to relative {@code tolerance};
     * {@code progress} sees every probe as it finishes (may be null).
     */
    public static Result search(Evaluator evaluator, double start, double min, double max, double tolerance,
                                Consumer<Probe> progress) {
        if (!(min > 0) || !(max >= min) || !(tolerance > 0)) {
            throw new IllegalArgumentException("need 0 < min ≤ max and tolerance > 0");
        }
        List<Probe> probes = new ArrayList<>();
        Consumer<Probe> record = p -> {
            probes.add(p);
            if (progress != null) {
                progress.accept(p);
            }
        };
        double r = Math.min(max, Math.max(min, round(start)));
        Probe p = evaluator.evaluate(r);
        record.accept(p);
        double lo;
        double hi;
        if (p.met()) {
            lo = r;
            while (true) {
                if (lo >= max) {
                    return new Result(lo, probes, "at-max");
                }
                double next = Math.min(max, round(lo * 2));
                Probe q = evaluator.evaluate(next);
                record.accept(q);
                if (!q.met()) {
                    hi = next;
                    break;
                }
                lo = next;
            }
        } else {
            hi = r;
            while (true) {
                if (hi <= min) {
                    return new Result(0, probes, "below-min");
                }
                double next = Math.max(min, round(hi / 2));
                Probe q = evaluator.evaluate(next);
                record.accept(q);
                if (q.met()) {
                    lo = next;
                    break;
                }
                hi = next;
            }
        }
        while (hi > lo * (1 + tolerance)) {
            double mid = round((lo + hi) / 2);
            if (mid <= lo || mid >= hi) {
                break; // the 4-digit grid is finer than any sensible tolerance; this only guards the loop
            }
            Probe q = evaluator.evaluate(mid);
            record.accept(q);
            if (q.met()) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return new Result(lo, probes, "converged");
    }
}
