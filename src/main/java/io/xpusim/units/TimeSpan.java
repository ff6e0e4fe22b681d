package io.xpusim.units;

/**
 * A duration in integer picoseconds, the simulator's unit of time (a long holds 106 days).
 * Parsed from {@code "500ms"}, {@code "2.5us"}, {@code "2 min"}.
 */
public record TimeSpan(long picos) {
    public static final long PICOS_PER_SECOND = 1_000_000_000_000L;
    private static final UnitTable UNITS = new UnitTable("duration", "500ms or 2.5us")
            .unit("ps", 1e-12).unit("ns", 1e-9).unit("us", 1e-6).unit("µs", 1e-6).unit("ms", 1e-3)
            .unit("s", 1).unit("min", 60).unit("h", 3600);
    private static final double MAX_SECONDS = Long.MAX_VALUE / (double) PICOS_PER_SECOND;

    public static TimeSpan parse(String text) {
        double seconds = UNITS.parse(text);
        if (seconds > MAX_SECONDS) {
            throw new QuantityFormatException("'" + text.strip() + "' is longer than the simulator can count",
                    "the longest duration is about 106 days");
        }
        return ofSeconds(seconds);
    }

    public static TimeSpan ofSeconds(double seconds) {
        return new TimeSpan(Math.round(seconds * PICOS_PER_SECOND));
    }

    public double seconds() {
        return picos / (double) PICOS_PER_SECOND;
    }

    @Override
    public String toString() {
        double s = seconds();
        return s >= 1 ? UnitTable.format(s, "s") : s >= 1e-3 ? UnitTable.format(s * 1e3, "ms")
                : UnitTable.format(s * 1e6, "us");
    }
}
