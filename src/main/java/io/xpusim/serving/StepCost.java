package io.xpusim.serving;

/**
 * The cost of one iteration (or of one pipeline stage's part of it) before communication: device time of its
 * kernels, host CPU time to launch them, and the tensor-parallel all-reduces it must run.
 *
 * @param computeBoundSeconds of {@code deviceSeconds}, the math-bound kernels' time (what a compute share slows
 *                            down); NaN when not asked for
 */
public record StepCost(double deviceSeconds, double hostSeconds, int kernels, int allReduces, double allReduceBytes,
                       double computeBoundSeconds) {
    public StepCost(double deviceSeconds, double hostSeconds, int kernels, int allReduces, double allReduceBytes) {
        this(deviceSeconds, hostSeconds, kernels, allReduces, allReduceBytes, Double.NaN);
    }

    /** Two runs of this cost back to back (two micro-batches): twice the time, kernels and all-reduces. */
    public StepCost twice() {
        return new StepCost(2 * deviceSeconds, 2 * hostSeconds, 2 * kernels, 2 * allReduces, allReduceBytes,
                2 * computeBoundSeconds);
    }
}
