package io.xpusim.serving;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.Queue;

/**
 * The requests waiting for admission on one replica, in the order of its {@link AdmissionOrder}. Preempted
 * requests come first, most recently preempted at the head (as a deque's front); then new requests: in arrival
 * order for fcfs (a FIFO, exactly the former single deque), else in a binary heap keyed by the policy (prompt
 * length for sjf, priority for priority) with ties by arrival. Every operation is O(1) or O(log n).
 */
public final class AdmissionQueue {
    private final ArrayDeque<ServingRequest> resumed = new ArrayDeque<>();
    private final Queue<ServingRequest> fresh;
    private long sequence;

    AdmissionQueue(AdmissionOrder order) {
        fresh = order == AdmissionOrder.FCFS ? new ArrayDeque<>() : new PriorityQueue<>(order.comparator());
    }

    /** Queues a newly arrived request. */
    void add(ServingRequest r) {
        r.enqueueSeq = sequence++;
        fresh.add(r);
    }

    /** Queues newly arrived requests, in this order. */
    void addAll(Iterable<ServingRequest> rs) {
        rs.forEach(this::add);
    }

    /** Puts a preempted request at the head: it resumes before every new request. */
    void requeue(ServingRequest r) {
        resumed.addFirst(r);
    }

    /** The next request to admit, or null. */
    ServingRequest peek() {
        ServingRequest r = resumed.peekFirst();
        return r != null ? r : fresh.peek();
    }

    /** Removes and returns the next request to admit, or null. */
    ServingRequest poll() {
        ServingRequest r = resumed.pollFirst();
        return r != null ? r : fresh.poll();
    }

    boolean isEmpty() {
        return resumed.isEmpty() && fresh.isEmpty();
    }

    int size() {
        return resumed.size() + fresh.size();
    }
}
