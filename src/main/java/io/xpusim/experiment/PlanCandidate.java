package io.xpusim.experiment;

import io.xpusim.scenario.Deployment;

/**
 * A configuration the planner costed: its deployment, nodes, devices and hourly cost, the goodput estimated
 * from its units' searched goodput (replicas × a unit's, summed over groups), and — once simulated in full —
 * the verified goodput (NaN until then). {@code status}: estimated, verified, verified-miss or pruned: why.
 */
public record PlanCandidate(Deployment deployment, int nodes, int devices, double costPerHourUsd, double estimatedGoodput,
                            double verifiedGoodput, String status) {
    /** The verified goodput when there is one, else the estimate. */
    public double goodput() {
        return Double.isNaN(verifiedGoodput) ? estimatedGoodput : verifiedGoodput;
    }

    /** goodput / target − 1: how much more load it would take. */
    public double headroom(double target) {
        return goodput() / target - 1;
    }

    PlanCandidate verified(double goodput, double target) {
        return new PlanCandidate(deployment, nodes, devices, costPerHourUsd, estimatedGoodput, goodput,
                goodput >= target ? "verified" : "verified-miss");
    }
}
