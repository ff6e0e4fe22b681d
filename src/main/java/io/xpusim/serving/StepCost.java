package io.xpusim.serving;

/**
 * The cost of one iteration before communication: device time of its kernels, host CPU time to launch
 * them, and the tensor-parallel all-reduces it must run.
 */
public record StepCost(double deviceSeconds, double hostSeconds, int kernels, int allReduces, double allReduceBytes) {
}
