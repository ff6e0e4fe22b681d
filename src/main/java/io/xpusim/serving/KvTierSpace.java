package io.xpusim.serving;

import java.util.TreeMap;

/**
 * The KV space one memory tier of one node sets aside for swapped-out requests, shared by the replicas on the node.
 * Two views of its bytes: {@code committed}, what placement decisions reserve at schedule time (every planned transfer
 * counted as done), and {@code resident}, what the physical transfers hold — taken when a write into it starts,
 * given back when a read out of it completes — which must never exceed the capacity. Requests resident here are
 * kept in swap-out order (least recently swapped first) for eviction to the next tier.
 */
final class KvTierSpace {
    final String tier;
    final double capacityBytes;
    private double committed;
    private double resident;
    private double peakResident;
    private double written;
    private double read;
    private double writing;
    private final TreeMap<Long, ServingRequest> residents = new TreeMap<>();

    KvTierSpace(String tier, double capacityBytes) {
        this.tier = tier;
        this.capacityBytes = capacityBytes;
    }

    double free() {
        return capacityBytes - committed;
    }

    /** Requests whose KV is (or is planned to be) here, least recently swapped out first. */
    Iterable<ServingRequest> leastRecentFirst() {
        return residents.values();
    }

    void commit(ServingRequest r, double bytes) {
        committed += bytes;
        residents.put(r.swapSeq, r);
    }

    void uncommit(ServingRequest r, double bytes) {
        committed -= bytes;
        residents.remove(r.swapSeq);
        if (residents.isEmpty()) {
            committed = 0; // no residue from summing doubles
        }
    }

    void writeStarted(double bytes) {
        resident += bytes;
        writing += bytes;
        peakResident = Math.max(peakResident, resident);
    }

    void writeDone(double bytes) {
        writing -= bytes;
        written += bytes;
    }

    void readDone(double bytes) {
        resident -= bytes;
        read += bytes;
    }

    double committedBytes() {
        return committed;
    }

    double residentBytes() {
        return resident;
    }

    double peakResidentBytes() {
        return peakResident;
    }

    double writtenBytes() {
        return written;
    }

    double readBytes() {
        return read;
    }

    /** Bytes of writes into this tier still in flight. */
    double writingBytes() {
        return writing;
    }

    int residentRequests() {
        return residents.size();
    }
}
