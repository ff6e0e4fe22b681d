package io.xpusim.metrics;

/**
 * What one memory tier of the cluster holds over a run: its capacity, the bytes placed in it now and at peak
 * (weights, KV blocks, optimizer states), the bytes transfers between tiers read from it and wrote to it, and its
 * occupancy over time as a time-weighted series.
 */
public final class TierUsage {
    private final String name;
    private final double capacityBytes;
    private final BinnedSeries occupancy;
    private double residentBytes;
    private double peakBytes;
    private double readBytes;
    private double writeBytes;
    private long lastChangePicos;
    private long closedPicos = -1;

    public TierUsage(String name, double capacityBytes, long binPicos) {
        this.name = name;
        this.capacityBytes = capacityBytes;
        this.occupancy = new BinnedSeries(binPicos);
    }

    public String name() {
        return name;
    }

    public double capacityBytes() {
        return capacityBytes;
    }

    /** Bytes placed in the tier now. */
    public double residentBytes() {
        return residentBytes;
    }

    /** Most bytes ever placed in the tier at once. */
    public double peakBytes() {
        return peakBytes;
    }

    /** Bytes transfers read out of this tier. */
    public double readBytes() {
        return readBytes;
    }

    /** Bytes transfers wrote into this tier. */
    public double writeBytes() {
        return writeBytes;
    }

    /** Places {@code bytes} in the tier at {@code nowPicos} (negative: frees them). */
    public void place(long nowPicos, double bytes) {
        if (bytes == 0) {
            return;
        }
        occupancy.addInterval(lastChangePicos, nowPicos, residentBytes);
        lastChangePicos = Math.max(lastChangePicos, nowPicos);
        residentBytes += bytes;
        if (Math.abs(residentBytes) < 1e-6 * Math.max(1, peakBytes)) {
            residentBytes = 0; // sums of doubles placed and freed: no residue
        }
        peakBytes = Math.max(peakBytes, residentBytes);
    }

    /** A transfer read {@code bytes} out of the tier (whether or not they stay placed). */
    public void read(double bytes) {
        readBytes += bytes;
    }

    /** A transfer wrote {@code bytes} into the tier (whether or not they were placed before). */
    public void write(double bytes) {
        writeBytes += bytes;
    }

    /**
     * Time-weighted mean bytes placed in bin {@code b}, once {@link #close(long)} has been called; the run's last bin
     * is averaged over the part of it the run covered.
     */
    public double meanBytes(int b) {
        long binPicos = occupancy.binPicos();
        long covered = closedPicos < 0 ? binPicos : Math.min(binPicos, closedPicos - b * binPicos);
        return covered <= 0 ? 0 : occupancy.total(b) / covered;
    }

    /** Bins of the occupancy series. */
    public int bins() {
        return occupancy.bins();
    }

    /** Ends the occupancy series at {@code nowPicos}. */
    public void close(long nowPicos) {
        occupancy.addInterval(lastChangePicos, nowPicos, residentBytes);
        lastChangePicos = Math.max(lastChangePicos, nowPicos);
        closedPicos = lastChangePicos;
    }
}
