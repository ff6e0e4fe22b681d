package io.xpusim.kernel;

import java.nio.charset.StandardCharsets;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * Independent random streams derived by name from one master seed, so that adding a stream (or drawing
 * more from one) never shifts the numbers another stream produces. Same seed and name ⇒ same sequence.
 */
public final class RandomStreams {
    private final long masterSeed;

    public RandomStreams(long masterSeed) {
        this.masterSeed = masterSeed;
    }

    public long masterSeed() {
        return masterSeed;
    }

    /** A fresh generator for the stream {@code name}; calling twice gives two identical generators. */
    public RandomGenerator stream(String name) {
        long seed = mix(masterSeed ^ fnv1a64(name));
        // Well19937c takes an int[] seed; feed it both halves of two mixed words for a full-width seed.
        long second = mix(seed);
        return new Well19937c(new int[] {(int) seed, (int) (seed >>> 32), (int) second, (int) (second >>> 32)});
    }

    /**
     * A master seed derived from {@code masterSeed} and a name (e.g. a sweep's replication {@code "replication-2"}):
     * non-negative, stable, and far from the seeds of other names.
     */
    public static long derivedSeed(long masterSeed, String name) {
        return mix(masterSeed ^ fnv1a64(name)) & Long.MAX_VALUE;
    }

    /** FNV-1a over UTF-8: a stable string hash (String.hashCode is stable too, but only 32 bits). */
    static long fnv1a64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64 finaliser: spreads nearby seeds far apart. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
