package io.xpusim.scenario;

import java.util.Locale;

/** What a scenario simulates. */
public enum ScenarioKind {
    /** Requests through model replicas: latency and throughput. */
    SERVING,
    /** A collective microbenchmark over the fabric, like nccl-tests. */
    COLLECTIVE,
    /** Training steps of a model under a parallel plan: step time, MFU, where the time goes, memory. */
    TRAINING,
    /** One serving iteration per batch size on each node group's first device: host launch vs GPU time. */
    ITERATION;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
