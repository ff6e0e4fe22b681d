package io.xpusim.serving;

/**
 * A GPU expert cache of fixed capacity over integer keys (an expert of a layer). {@link #access} records a use: a hit
 * refreshes the entry, a miss admits the key, evicting the policy's victim when full (a capacity of 0 admits nothing).
 * Policies are registered by name in {@link ExpertCaches}.
 */
public interface ExpertCache {
    /** Whether {@code key} is resident. */
    boolean contains(int key);

    /** Records a use of {@code key}; returns whether it was resident before the call. */
    boolean access(int key);

    /** Puts {@code key} in without counting a use (warm start); ignored when full or present. */
    void preload(int key);

    int size();

    int capacity();
}
