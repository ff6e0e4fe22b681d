package io.xpusim.metrics;

/**
 * Where one pipeline stage's step time goes; the components add up to the step time. Communication counts
 * only where it is exposed (no computation ran meanwhile); idle time waiting for a pipeline neighbour is
 * point-to-point time while an incoming transfer is in flight and bubble otherwise.
 */
public record StageTime(int stage, double computeSeconds, double exposedTpCommSeconds, double exposedDpCommSeconds,
                        double ppBubbleSeconds, double ppP2pSeconds, double offloadStallSeconds, double optimizerSeconds,
                        double exposedEpCommSeconds) {

    /** A stage without expert-parallel communication. */
    public StageTime(int stage, double computeSeconds, double exposedTpCommSeconds, double exposedDpCommSeconds,
                     double ppBubbleSeconds, double ppP2pSeconds, double offloadStallSeconds, double optimizerSeconds) {
        this(stage, computeSeconds, exposedTpCommSeconds, exposedDpCommSeconds, ppBubbleSeconds, ppP2pSeconds,
                offloadStallSeconds, optimizerSeconds, 0);
    }

    public double totalSeconds() {
        return computeSeconds + exposedTpCommSeconds + exposedDpCommSeconds + ppBubbleSeconds + ppP2pSeconds
                + offloadStallSeconds + optimizerSeconds + exposedEpCommSeconds;
    }

    /** Component names as written to summary.json and CSV, in the order of {@link #components()}. */
    public static final java.util.List<String> NAMES = java.util.List.of("compute", "exposed_tp_comm", "exposed_dp_comm",
            "pp_bubble", "pp_p2p", "offload_stall", "optimizer", "exposed_ep_comm");

    public double[] components() {
        return new double[] {computeSeconds, exposedTpCommSeconds, exposedDpCommSeconds, ppBubbleSeconds, ppP2pSeconds,
                offloadStallSeconds, optimizerSeconds, exposedEpCommSeconds};
    }
}
