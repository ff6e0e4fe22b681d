package io.xpusim.units;

/** An amount of data in bytes. GB = 10^9 B, GiB = 2^30 B. */
public record DataSize(double bytes) {
    /** Bytes in a GiB (2^30), for code that divides byte counts into GiB. */
    public static final double BYTES_PER_GIB = 1024.0 * 1024 * 1024;

    private static final UnitTable UNITS = new UnitTable("data size", "80 GiB or 512 MB")
            .unit("B", 1).unit("KB", 1e3).unit("MB", 1e6).unit("GB", 1e9).unit("TB", 1e12).unit("PB", 1e15)
            .unit("KiB", 1024.0).unit("MiB", 1024.0 * 1024).unit("GiB", BYTES_PER_GIB)
            .unit("TiB", 1024.0 * 1024 * 1024 * 1024).unit("PiB", 1024.0 * 1024 * 1024 * 1024 * 1024);

    public static DataSize parse(String text) {
        return new DataSize(UNITS.parse(text));
    }

    public static DataSize ofGiB(double gib) {
        return new DataSize(gib * BYTES_PER_GIB);
    }

    public double gib() {
        return bytes / BYTES_PER_GIB;
    }

    @Override
    public String toString() {
        return bytes >= BYTES_PER_GIB ? UnitTable.format(gib(), "GiB")
                : bytes >= 1024.0 * 1024 ? UnitTable.format(bytes / (1024.0 * 1024), "MiB")
                : UnitTable.format(bytes, "B");
    }
}
