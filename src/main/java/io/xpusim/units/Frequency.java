package io.xpusim.units;

/** Events per unit time, e.g. a request arrival rate {@code "10/s"} or {@code "600/min"}. */
public record Frequency(double perSecond) {
    private static final UnitTable UNITS = new UnitTable("rate", "10/s")
            .unit("/s", 1).unit("/min", 1 / 60.0).unit("/h", 1 / 3600.0).unit("/ms", 1e3)
            .unit("Hz", 1).unit("req/s", 1).unit("rps", 1);

    public static Frequency parse(String text) {
        return new Frequency(UNITS.parse(text));
    }

    @Override
    public String toString() {
        return UnitTable.format(perSecond, "/s");
    }
}
