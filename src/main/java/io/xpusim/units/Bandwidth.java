package io.xpusim.units;

/** A data rate in bytes per second, per direction. Decimal prefixes: 1 GB/s = 10^9 B/s. */
public record Bandwidth(double bytesPerSecond) {
    private static final UnitTable UNITS = new UnitTable("bandwidth", "3.35 TB/s or 400 Gb/s")
            .unit("B/s", 1).unit("KB/s", 1e3).unit("MB/s", 1e6).unit("GB/s", 1e9).unit("TB/s", 1e12)
            .unit("KiB/s", 1024.0).unit("MiB/s", 1024.0 * 1024).unit("GiB/s", 1024.0 * 1024 * 1024)
            .unit("bit/s", 1 / 8.0).unit("Kb/s", 1e3 / 8).unit("Mb/s", 1e6 / 8).unit("Gb/s", 1e9 / 8)
            .unit("Tb/s", 1e12 / 8).unit("Gbps", 1e9 / 8).unit("Mbps", 1e6 / 8);

    public static Bandwidth parse(String text) {
        return new Bandwidth(UNITS.parse(text));
    }

    @Override
    public String toString() {
        return UnitTable.format(bytesPerSecond / 1e9, "GB/s");
    }
}
