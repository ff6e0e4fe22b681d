package io.xpusim.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects what a serving simulation did: one record per request and, per time bin, queue lengths,
 * KV-cache use, batch sizes, token output and device busy time.
 */
public final class ServingRecorder {
    private final List<RequestRecord> requests = new ArrayList<>();
    private final BinnedSeries running;
    private final BinnedSeries waiting;
    private final BinnedSeries kvUsedFraction;
    private final BinnedSeries kvUsedBlocks;
    private long kvTotalBlocks;
    private final BinnedSeries batchedTokens;
    private final BinnedSeries iterations;
    private final BinnedSeries outputTokens;
    private final BinnedSeries deviceBusyFraction;
    private final BinnedSeries kvTransferBytes;
    private final BinnedSeries hostBusyFraction;
    private final BinnedSeries offloadStall;
    private final BinnedSeries hostAttention;
    private final ReplicaSeries perReplica;
    private boolean disaggregated;
    private final int totalDevices;
    private long[] batchSizeCounts = new long[64];
    private long iterationCount;
    private long lastEventPicos;

    public ServingRecorder(long binPicos, int totalDevices) {
        running = new BinnedSeries(binPicos);
        waiting = new BinnedSeries(binPicos);
        kvUsedFraction = new BinnedSeries(binPicos);
        kvUsedBlocks = new BinnedSeries(binPicos);
        batchedTokens = new BinnedSeries(binPicos);
        iterations = new BinnedSeries(binPicos);
        outputTokens = new BinnedSeries(binPicos);
        deviceBusyFraction = new BinnedSeries(binPicos);
        kvTransferBytes = new BinnedSeries(binPicos);
        hostBusyFraction = new BinnedSeries(binPicos);
        offloadStall = new BinnedSeries(binPicos);
        hostAttention = new BinnedSeries(binPicos);
        perReplica = new ReplicaSeries(binPicos);
        this.totalDevices = totalDevices;
    }

    private final TokenGapHistogram tokenGaps = new TokenGapHistogram();
    private final java.util.Map<String, ExpertLoad> expertLoads = new java.util.LinkedHashMap<>();

    /** Registers a replica's routed-expert record under its name (MoE models only). */
    public void addExpertLoad(String replica, ExpertLoad load) {
        expertLoads.put(replica, load);
    }

    private final java.util.Map<String, ExpertCacheStats> expertCaches = new java.util.LinkedHashMap<>();

    /** Registers a replica's expert-offloading record under its name (offloaded MoE serving only). */
    public void addExpertCache(String replica, ExpertCacheStats stats) {
        expertCaches.put(replica, stats);
    }

    /** Expert-offloading records by replica name, in replica order (empty unless experts are offloaded). */
    public java.util.Map<String, ExpertCacheStats> expertCaches() {
        return java.util.Collections.unmodifiableMap(expertCaches);
    }

    /** Routed-expert records by replica name, in replica order (empty for a dense model). */
    public java.util.Map<String, ExpertLoad> expertLoads() {
        return java.util.Collections.unmodifiableMap(expertLoads);
    }

    /** Records the time between a request's consecutive tokens. */
    public void tokenGap(double seconds) {
        tokenGaps.add(seconds);
    }

    /** Time between tokens over every token of the run. */
    public TokenGapHistogram tokenGaps() {
        return tokenGaps;
    }

    public void requestDone(RequestRecord r) {
        requests.add(r);
        if (r.completed()) {
            lastEventPicos = Math.max(lastEventPicos, Math.round(r.finishSeconds() * 1e12));
        }
    }

    /** Declares a replica for the per-replica series; returns the index its iterations report under. */
    public int addReplica(String name) {
        return perReplica.add(name);
    }

    /** Marks the run as prefill/decode disaggregated (it has KV hand-offs to chart). */
    public void setDisaggregated(boolean d) {
        disaggregated = d;
    }

    public boolean disaggregated() {
        return disaggregated;
    }

    /**
     * A KV hand-off flow of {@code bytes} moved over [start, end): spread evenly over the interval, so a transfer
     * longer than a bin shows as a rate in every bin it spans.
     */
    public void kvTransfer(long startPicos, long endPicos, double bytes) {
        if (endPicos <= startPicos) {
            kvTransferBytes.addAt(endPicos, bytes);
        } else {
            kvTransferBytes.addInterval(startPicos, endPicos, bytes / (endPicos - startPicos));
        }
        lastEventPicos = Math.max(lastEventPicos, endPicos);
    }

    /** Per-replica utilisation, waiting and running requests over time (bins may be coarser than the run's). */
    public ReplicaSeries perReplica() {
        return perReplica;
    }

    /**
     * One iteration of replica {@code replica} on {@code devices} devices over [start, end) that ran {@code batchSeqs} sequences
     * (prompt chunks and decodes) with {@code prefillTokens + decodeSeqs} new tokens.
     */
    public void iteration(int replica, long startPicos, long endPicos, int devices, int batchSeqs, int prefillTokens, int decodeSeqs,
                          int runningSeqs, int waitingSeqs, int kvUsedBlocks, int kvTotalBlocks, double deviceBusySeconds,
                          int tokensOut) {
        iterationCount++;
        double share = devices / (double) totalDevices;
        running.addInterval(startPicos, endPicos, runningSeqs);
        waiting.addInterval(startPicos, endPicos, waitingSeqs);
        kvUsedFraction.addInterval(startPicos, endPicos, share * kvUsedBlocks / Math.max(1, kvTotalBlocks));
        this.kvUsedBlocks.addInterval(startPicos, endPicos, kvUsedBlocks);
        batchedTokens.addAt(endPicos, prefillTokens + decodeSeqs);
        iterations.addAt(endPicos, 1);
        outputTokens.addAt(endPicos, tokensOut);
        // spread busy time over the iteration it belongs to: a long prefill must not pile into its last bin
        double seconds = (endPicos - startPicos) / 1e12;
        double busy = seconds > 0 ? Math.min(1.0, deviceBusySeconds / seconds) : 0;
        deviceBusyFraction.addInterval(startPicos, endPicos, share * busy);
        perReplica.iteration(replica, startPicos, endPicos, busy, waitingSeqs, runningSeqs);
        int size = batchSeqs;
        if (size >= batchSizeCounts.length) {
            batchSizeCounts = Arrays.copyOf(batchSizeCounts, Math.max(size + 1, batchSizeCounts.length * 2));
        }
        batchSizeCounts[size]++;
        lastEventPicos = Math.max(lastEventPicos, endPicos);
    }

    /**
     * The host side of an iteration over [start, end) of a replica on {@code devices} devices (one host thread each):
     * the core-seconds its threads were busy (launches and serial overheads) and the seconds its devices waited for
     * offloaded work (streamed weights, host attention, their transfers) beyond their own kernels and launches, and
     * the seconds the host CPU computed their attention (summed over the devices' ranks).
     */
    public void hostIteration(long startPicos, long endPicos, int devices, double hostBusyCoreSeconds,
                              double offloadStallSeconds, double hostAttentionSeconds) {
        double seconds = (endPicos - startPicos) / 1e12;
        if (seconds <= 0) {
            return;
        }
        double share = devices / (double) totalDevices;
        hostBusyFraction.addInterval(startPicos, endPicos, share * Math.min(1.0, hostBusyCoreSeconds / devices / seconds));
        offloadStall.addInterval(startPicos, endPicos, share * Math.min(1.0, offloadStallSeconds / seconds));
        hostAttention.addInterval(startPicos, endPicos, share * Math.min(1.0, hostAttentionSeconds / devices / seconds));
    }

    public List<RequestRecord> requests() {
        return requests;
    }

    public long iterationCount() {
        return iterationCount;
    }

    /** Iterations seen with each number of running sequences (index = batch size). */
    public long[] batchSizeCounts() {
        int n = batchSizeCounts.length;
        while (n > 0 && batchSizeCounts[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(batchSizeCounts, n);
    }

    public long binPicos() {
        return running.binPicos();
    }

    /** Bins covering the run up to its last event. */
    public int bins() {
        return (int) (lastEventPicos / binPicos()) + 1;
    }

    /** Declares the KV-cache capacity summed over all replicas, for the time series. */
    public void setKvTotalBlocks(long blocks) {
        kvTotalBlocks = blocks;
    }

    /** One row per time bin, in the column order of {@link #TIMESERIES_COLUMNS}. */
    public double[][] timeseries() {
        int n = bins();
        double binSeconds = binPicos() / 1e12;
        double[][] rows = new double[n][];
        for (int b = 0; b < n; b++) {
            double its = iterations.total(b);
            rows[b] = new double[] {
                b * binSeconds,
                running.mean(b),
                waiting.mean(b),
                its == 0 ? 0 : batchedTokens.total(b) / its,
                kvUsedFraction.mean(b),
                kvUsedBlocks.mean(b),
                kvTotalBlocks,
                outputTokens.ratePerSecond(b),
                deviceBusyFraction.mean(b),
                kvTransferBytes.ratePerSecond(b),
                hostBusyFraction.mean(b),
                offloadStall.mean(b),
                hostAttention.mean(b),
            };
        }
        return rows;
    }

    /** Index of a time-series column by its name (one of {@link #TIMESERIES_COLUMNS}). */
    public static int column(String name) {
        int i = TIMESERIES_COLUMNS.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no time-series column " + name);
        }
        return i;
    }

    public static final List<String> TIMESERIES_COLUMNS = List.of("time_s", "running", "waiting",
            "batched_tokens_per_iteration", "kv_used_fraction", "kv_blocks_used", "kv_blocks_total", "output_tokens_per_s",
            "device_utilisation", "kv_transfer_bytes_per_s", "host_thread_utilisation", "offload_stall_fraction", "host_attention_fraction");
}
