package io.xpusim.serving;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which a replica's batch scheduler admits waiting requests ({@code strategy.scheduler.admission}).
 * Preempted requests are not ordered by it: they resume before any new request, most recently preempted first
 * (see {@link AdmissionQueue}).
 */
public enum AdmissionOrder {
    /** First come, first served: arrival order at the replica. */
    FCFS("fcfs", null),
    /**
     * Shortest job first by prompt length: the schedulers, like vLLM's, do not know output lengths, so the job
     * size is the prompt (fewest input tokens first); ties by arrival.
     */
    SJF("sjf", Comparator.comparingInt((ServingRequest r) -> r.spec.inputTokens())),
    /** The request's integer priority, lower first (default 0); ties by arrival. */
    PRIORITY("priority", Comparator.comparingInt((ServingRequest r) -> r.spec.priority()));

    private final String yamlName;
    /** The policy's key, or null for plain arrival order; ties always fall back to arrival. */
    private final Comparator<ServingRequest> key;

    AdmissionOrder(String yamlName, Comparator<ServingRequest> key) {
        this.yamlName = yamlName;
        this.key = key;
    }

    public String yamlName() {
        return yamlName;
    }

    /** The full order of new requests: the policy's key, then arrival time, then enqueue sequence. */
    Comparator<ServingRequest> comparator() {
        Comparator<ServingRequest> arrival = Comparator.comparingLong((ServingRequest r) -> r.spec.arrivalPicos())
                .thenComparingLong(r -> r.enqueueSeq);
        return key == null ? arrival : key.thenComparing(arrival);
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(AdmissionOrder::yamlName).toList();
    }

    public static AdmissionOrder fromYaml(String name) {
        for (AdmissionOrder o : values()) {
            if (o.yamlName.equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown admission order '" + name + "'");
    }
}
