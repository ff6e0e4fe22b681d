package io.xpusim.units;

/** Electrical power in watts. */
public record Power(double watts) {
    private static final UnitTable UNITS = new UnitTable("power", "700 W")
            .unit("W", 1).unit("kW", 1e3).unit("MW", 1e6);

    public static Power parse(String text) {
        return new Power(UNITS.parse(text));
    }

    @Override
    public String toString() {
        return UnitTable.format(watts, "W");
    }
}
