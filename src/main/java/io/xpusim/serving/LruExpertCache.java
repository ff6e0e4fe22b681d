package io.xpusim.serving;

import java.util.LinkedHashMap;

/** Least recently used eviction (Mixtral-offloading's per-layer LRU cache). */
final class LruExpertCache implements ExpertCache {
    private final int capacity;
    /** Access-ordered: the eldest entry is the least recently used. */
    private final LinkedHashMap<Integer, Boolean> entries = new LinkedHashMap<>(16, 0.75f, true);

    LruExpertCache(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public boolean contains(int key) {
        return entries.containsKey(key);
    }

    @Override
    public boolean access(int key) {
        if (entries.get(key) != null) {
            return true;
        }
        if (capacity == 0) {
            return false;
        }
        if (entries.size() >= capacity) {
            Integer eldest = entries.keySet().iterator().next();
            entries.remove(eldest);
        }
        entries.put(key, Boolean.TRUE);
        return false;
    }

    @Override
    public void preload(int key) {
        if (entries.size() < capacity && !entries.containsKey(key)) {
            entries.put(key, Boolean.TRUE);
        }
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public int capacity() {
        return capacity;
    }
}
