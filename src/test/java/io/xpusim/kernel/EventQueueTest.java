package io.xpusim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The event heap's order is (time, insertion sequence), whatever the insertion pattern. */
class EventQueueTest {
    private static final EventHandler NOOP = arg -> { };

    /** Drains the queue, returning {time, arg} pairs in poll order. */
    private static List<long[]> drain(EventQueue q) {
        List<long[]> out = new ArrayList<>();
        while (!q.isEmpty()) {
            long peek = q.peekTime();
            long t = q.poll((time, h, arg) -> out.add(new long[] {time, arg}));
            assertEquals(peek, t, "peekTime is the time poll returns");
        }
        return out;
    }

    @Test
    void equalTimesFireInInsertionOrder() {
        EventQueue q = new EventQueue();
        int n = 5000; // beyond the initial 1024 slots: the heap grows while all keys are equal
        for (int i = 0; i < n; i++) {
            q.add(42, NOOP, i);
        }
        assertEquals(n, q.size());
        List<long[]> out = drain(q);
        assertEquals(n, out.size());
        for (int i = 0; i < n; i++) {
            assertEquals(42, out.get(i)[0]);
            assertEquals(i, out.get(i)[1], "event " + i + " fired out of insertion order");
        }
    }

    @Test
    void earlierTimeFiresFirstRegardlessOfInsertion() {
        EventQueue q = new EventQueue();
        q.add(30, NOOP, 0);
        q.add(10, NOOP, 1);
        q.add(20, NOOP, 2);
        q.add(10, NOOP, 3);
        List<long[]> out = drain(q);
        // by time: 10 (args 1 then 3, insertion order), 20 (arg 2), 30 (arg 0)
        long[][] expected = {{10, 1}, {10, 3}, {20, 2}, {30, 0}};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], out.get(i)[0]);
            assertEquals(expected[i][1], out.get(i)[1]);
        }
    }

    @Test
    void randomTimesMatchAStableSortReference() {
        Random rnd = new Random(12345);
        EventQueue q = new EventQueue();
        List<long[]> reference = new ArrayList<>();
        int n = 20_000; // > 1024: exercises several array growths
        for (int i = 0; i < n; i++) {
            long t = rnd.nextInt(500); // few distinct times: many ties to break by sequence
            q.add(t, NOOP, i);
            reference.add(new long[] {t, i});
        }
        // List.sort is stable, so equal times keep insertion order: the documented queue order
        reference.sort(Comparator.comparingLong(a -> a[0]));
        List<long[]> out = drain(q);
        assertEquals(n, out.size());
        for (int i = 0; i < n; i++) {
            assertEquals(reference.get(i)[0], out.get(i)[0], "time at position " + i);
            assertEquals(reference.get(i)[1], out.get(i)[1], "arg at position " + i);
        }
    }

    @Test
    void interleavedAddAndPollKeepsOrder() {
        // a simulation adds events while polling: the sequence counter must keep growing across polls
        Random rnd = new Random(7);
        EventQueue q = new EventQueue();
        List<long[]> pending = new ArrayList<>(); // reference: {time, seq}
        long seq = 0;
        long lastTime = Long.MIN_VALUE;
        long lastSeq = -1;
        for (int step = 0; step < 30_000; step++) {
            if (pending.isEmpty() || rnd.nextInt(3) != 0) {
                long base = Math.max(lastTime, 0);
                long t = base + rnd.nextInt(50);
                q.add(t, NOOP, seq);
                pending.add(new long[] {t, seq});
                seq++;
            } else {
                long[] got = new long[2];
                q.poll((time, h, arg) -> {
                    got[0] = time;
                    got[1] = arg;
                });
                // reference minimum by (time, seq)
                long[] min = pending.get(0);
                int minIdx = 0;
                for (int k = 1; k < pending.size(); k++) {
                    long[] c = pending.get(k);
                    if (c[0] < min[0] || (c[0] == min[0] && c[1] < min[1])) {
                        min = c;
                        minIdx = k;
                    }
                }
                pending.remove(minIdx);
                assertEquals(min[0], got[0]);
                assertEquals(min[1], got[1]);
                assertTrue(got[0] > lastTime || (got[0] == lastTime && got[1] > lastSeq));
                lastTime = got[0];
                lastSeq = got[1];
            }
            assertEquals(pending.size(), q.size());
        }
    }

    @Test
    void handlerAndArgAreDelivered() {
        EventQueue q = new EventQueue();
        long[] seen = new long[1];
        EventHandler h = arg -> seen[0] = arg;
        q.add(5, h, 99);
        q.poll((time, handler, arg) -> handler.handle(arg));
        assertEquals(99, seen[0]);
        assertTrue(q.isEmpty());
    }
}
