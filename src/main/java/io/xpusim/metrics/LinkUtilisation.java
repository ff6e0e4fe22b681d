package io.xpusim.metrics;

import java.util.List;

/**
 * Utilisation over time of the busiest links: {@code utilisation[link][bin]} is the time-weighted fraction of the
 * link's capacity in use during bin {@code bin} of width {@code binSeconds}.
 */
public record LinkUtilisation(List<String> links, double[][] utilisation, double binSeconds) {
}
