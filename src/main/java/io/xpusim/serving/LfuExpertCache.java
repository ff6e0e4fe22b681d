package io.xpusim.serving;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Least frequently used eviction: each key counts its uses over the whole run (kept also while evicted, so a popular
 * expert wins its slot back); the resident key with the fewest uses goes, ties to the least recently used.
 */
final class LfuExpertCache implements ExpertCache {
    private final int capacity;
    private final Map<Integer, long[]> uses = new HashMap<>();
    /** Resident keys ordered by (uses, last use, key): the first is the victim. */
    private final TreeSet<long[]> resident = new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
            : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
    private final Map<Integer, long[]> residentEntry = new HashMap<>();
    private long clock;

    LfuExpertCache(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public boolean contains(int key) {
        return residentEntry.containsKey(key);
    }

    @Override
    public boolean access(int key) {
        long[] u = uses.computeIfAbsent(key, k -> new long[1]);
        u[0]++;
        clock++;
        long[] entry = residentEntry.get(key);
        if (entry != null) {
            resident.remove(entry);
            entry[0] = u[0];
            entry[1] = clock;
            resident.add(entry);
            return true;
        }
        if (capacity == 0) {
            return false;
        }
        if (residentEntry.size() >= capacity) {
            long[] victim = resident.first();
            if (victim[0] > u[0]) {
                return false; // every resident expert is used more often: do not admit
            }
            resident.pollFirst();
            residentEntry.remove((int) victim[2]);
        }
        admit(key, u[0]);
        return false;
    }

    @Override
    public void preload(int key) {
        if (residentEntry.size() < capacity && !residentEntry.containsKey(key)) {
            clock++;
            admit(key, 0);
        }
    }

    private void admit(int key, long count) {
        long[] entry = {count, clock, key};
        resident.add(entry);
        residentEntry.put(key, entry);
    }

    @Override
    public int size() {
        return residentEntry.size();
    }

    @Override
    public int capacity() {
        return capacity;
    }
}
