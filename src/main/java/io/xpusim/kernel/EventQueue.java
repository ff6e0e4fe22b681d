package io.xpusim.kernel;

import java.util.Arrays;

/**
 * Pending events in a 4-ary min-heap over primitive arrays, ordered by (time, insertion sequence) so
 * that simultaneous events fire in the order they were scheduled: deterministic by construction.
 * Nothing is allocated per event once the arrays have grown to the peak number of pending events.
 * Cancellation is lazy: a handler ignores an event whose {@code arg} carries a stale token.
 */
public final class EventQueue {
    private long[] times = new long[1024];
    private long[] seqs = new long[1024];
    private long[] args = new long[1024];
    private EventHandler[] handlers = new EventHandler[1024];
    private int size;
    private long nextSeq;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Time of the earliest pending event; undefined when empty. */
    public long peekTime() {
        return times[0];
    }

    public void add(long time, EventHandler handler, long arg) {
        if (size == times.length) {
            grow();
        }
        long seq = nextSeq++;
        int i = size++;
        // sift up: move parents down until the slot for the new entry is found
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (!less(time, seq, times[parent], seqs[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, time, seq, handler, arg);
    }

    /**
     * Removes the earliest event and hands it to {@code sink}; returns its time. The queue must not be
     * empty.
     */
    public long poll(Sink sink) {
        long time = times[0];
        EventHandler handler = handlers[0];
        long arg = args[0];
        int last = --size;
        if (last > 0) {
            siftDownFromRoot(times[last], seqs[last], handlers[last], args[last], last);
        }
        handlers[last] = null;
        sink.accept(time, handler, arg);
        return time;
    }

    /** Receives a polled event; implemented by the simulation loop. */
    @FunctionalInterface
    public interface Sink {
        void accept(long time, EventHandler handler, long arg);
    }

    private void siftDownFromRoot(long time, long seq, EventHandler handler, long arg, int n) {
        int i = 0;
        while (true) {
            int first = (i << 2) + 1;
            if (first >= n) {
                break;
            }
            int best = first;
            int end = Math.min(first + 4, n);
            for (int c = first + 1; c < end; c++) {
                if (less(times[c], seqs[c], times[best], seqs[best])) {
                    best = c;
                }
            }
            if (!less(times[best], seqs[best], time, seq)) {
                break;
            }
            move(best, i);
            i = best;
        }
        set(i, time, seq, handler, arg);
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void move(int from, int to) {
        times[to] = times[from];
        seqs[to] = seqs[from];
        handlers[to] = handlers[from];
        args[to] = args[from];
    }

    private void set(int i, long time, long seq, EventHandler handler, long arg) {
        times[i] = time;
        seqs[i] = seq;
        handlers[i] = handler;
        args[i] = arg;
    }

    private void grow() {
        int n = times.length * 2;
        times = Arrays.copyOf(times, n);
        seqs = Arrays.copyOf(seqs, n);
        args = Arrays.copyOf(args, n);
        handlers = Arrays.copyOf(handlers, n);
    }
}
