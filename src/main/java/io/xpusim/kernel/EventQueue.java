package io.xpusim.kernel;

import java.util.Arrays;

/**
 * Pending events in a 4-ary min-heap over primitive arrays, ordered by (time, insertion sequence) so
 * that simultaneous events fire in the order they were scheduled: deterministic by construction.
 *
 * <p>The heap moves only primitives — time, sequence and a slot number. An event's handler and argument are
 * written once into its slot and read once when it fires: moving object references inside the heap would
 * pay a garbage-collector write barrier on every swap. Slots are recycled through a free list, so nothing is
 * allocated per event once the arrays have grown to the peak number of pending events. Cancellation is
 * lazy: a handler ignores an event whose {@code arg} carries a stale token.
 */
public final class EventQueue {
    private long[] times = new long[1024];
    private long[] seqs = new long[1024];
    private int[] heapSlots = new int[1024];
    private EventHandler[] slotHandlers = new EventHandler[1024];
    private long[] slotArgs = new long[1024];
    private int[] freeSlots = new int[1024];
    private int freeCount;
    private int slotsUsed;
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
            growHeap();
        }
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            if (slotsUsed == slotHandlers.length) {
                growSlots();
            }
            slot = slotsUsed++;
        }
        slotHandlers[slot] = handler;
        slotArgs[slot] = arg;
        long seq = nextSeq++;
        int i = size++;
        // sift up: move parents down until the place for the new entry is found
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long pt = times[parent];
            if (pt < time || (pt == time && seqs[parent] < seq)) {
                break;
            }
            times[i] = pt;
            seqs[i] = seqs[parent];
            heapSlots[i] = heapSlots[parent];
            i = parent;
        }
        times[i] = time;
        seqs[i] = seq;
        heapSlots[i] = slot;
    }

    /**
     * Removes the earliest event and hands it to {@code sink}; returns its time. The queue must not be
     * empty.
     */
    public long poll(Sink sink) {
        if (size == 0) {
            throw new java.util.NoSuchElementException("poll on an empty event queue");
        }
        long time = times[0];
        int slot = heapSlots[0];
        EventHandler handler = slotHandlers[slot];
        long arg = slotArgs[slot];
        slotHandlers[slot] = null;
        freeSlots[freeCount++] = slot;
        int last = --size;
        if (last > 0) {
            siftDownFromRoot(times[last], seqs[last], heapSlots[last], last);
        }
        sink.accept(time, handler, arg);
        return time;
    }

    /** Receives a polled event; implemented by the simulation loop. */
    @FunctionalInterface
    public interface Sink {
        void accept(long time, EventHandler handler, long arg);
    }

    private void siftDownFromRoot(long time, long seq, int slot, int n) {
        int i = 0;
        while (true) {
            int first = (i << 2) + 1;
            if (first >= n) {
                break;
            }
            int best = first;
            long bestTime = times[first];
            long bestSeq = seqs[first];
            int end = Math.min(first + 4, n);
            for (int c = first + 1; c < end; c++) {
                long ct = times[c];
                if (ct < bestTime || (ct == bestTime && seqs[c] < bestSeq)) {
                    best = c;
                    bestTime = ct;
                    bestSeq = seqs[c];
                }
            }
            if (time < bestTime || (time == bestTime && seq < bestSeq)) {
                break;
            }
            times[i] = bestTime;
            seqs[i] = bestSeq;
            heapSlots[i] = heapSlots[best];
            i = best;
        }
        times[i] = time;
        seqs[i] = seq;
        heapSlots[i] = slot;
    }

    private void growHeap() {
        int n = times.length * 2;
        times = Arrays.copyOf(times, n);
        seqs = Arrays.copyOf(seqs, n);
        heapSlots = Arrays.copyOf(heapSlots, n);
    }

    private void growSlots() {
        int n = slotHandlers.length * 2;
        slotHandlers = Arrays.copyOf(slotHandlers, n);
        slotArgs = Arrays.copyOf(slotArgs, n);
        freeSlots = Arrays.copyOf(freeSlots, n);
    }
}
