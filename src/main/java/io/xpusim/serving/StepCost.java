package io.xpusim.serving;

/**
 * The cost of one iteration before communication: device time of its kernels, host CPU time to launch
 * them, and the tensor-parallel all-reduces it must run.
 */
public record StepCost(double deviceSeconds, double hostSeconds, int kernels, int allReduces, double allReduceBytes) {
    /** Two runs of this cost back to back (two micro-batches): twice the time, kernels and all-reduces. */
    public StepCost twice() {
        return new StepCost(2 * deviceSeconds, 2 * hostSeconds, 2 * kernels, 2 * allReduces, allReduceBytes);
    }
}
