package io.xpusim.units;

/** A compute rate in floating-point (or integer) operations per second. */
public record FlopRate(double flopsPerSecond) {
    private static final UnitTable UNITS = new UnitTable("compute rate", "989 TFLOP/s")
            .unit("FLOP/s", 1).unit("GFLOP/s", 1e9).unit("TFLOP/s", 1e12).unit("PFLOP/s", 1e15)
            .unit("TOP/s", 1e12).unit("TOPS", 1e12).unit("TFLOPS", 1e12).unit("GFLOPS", 1e9);

    public static FlopRate parse(String text) {
        return new FlopRate(UNITS.parse(text));
    }

    @Override
    public String toString() {
        return UnitTable.format(flopsPerSecond / 1e12, "TFLOP/s");
    }
}
