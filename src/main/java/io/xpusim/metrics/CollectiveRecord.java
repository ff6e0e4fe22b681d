package io.xpusim.metrics;

/**
 * One measured collective: time for the whole operation and the nccl-tests bandwidths
 * (algbw = size / time; busbw = algbw × the operation's factor). Bandwidths in bytes per second.
 */
public record CollectiveRecord(String op, String algorithm, int ranks, double sizeBytes, double timeSeconds,
                               double algbwBytesPerSecond, double busbwBytesPerSecond) {
}
