package io.xpusim.workload;

/** A workload that asks for more than the simulator can represent (arrivals beyond its clock's range). */
public final class WorkloadLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WorkloadLimitException(String message) {
        super(message);
    }
}
