package io.xpusim.units;

/** An amount of data in bytes. GB = 10^9 B, GiB = 2^30 B. */
public record DataSize(double bytes) {
    private static final UnitTable UNITS = new UnitTable("data size", "80 GiB or 512 MB")
            .unit("B", 1).unit("KB", 1e3).unit("MB", 1e6).unit("GB", 1e9).unit("TB", 1e12).unit("PB", 1e15)
            .unit("KiB", 1024.0).unit("MiB", 1024.0 * 1024).unit("GiB", 1024.0 * 1024 * 1024)
            .unit("TiB", 1024.0 * 1024 * 1024 * 1024).unit("PiB", 1024.0 * 1024 * 1024 * 1024 * 1024);

    public static DataSize parse(String text) {
        return new DataSize(UNITS.parse(text));
    }

    public static DataSize ofGiB(double gib) {
        return new DataSize(gib * 1024 * 1024 * 1024);
    }

    public double gib() {
        return bytes / (1024.0 * 1024 * 1024);
    }

    @Override
    public String toString() {
        return bytes >= 1024.0 * 1024 * 1024 ? UnitTable.format(gib(), "GiB")
                : bytes >= 1024.0 * 1024 ? UnitTable.format(bytes / (1024.0 * 1024), "MiB")
                : UnitTable.format(bytes, "B");
    }
}
