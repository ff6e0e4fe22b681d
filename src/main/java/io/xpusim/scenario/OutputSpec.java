package io.xpusim.scenario;

/** What a run writes besides the summary: the time-series bin width and whether to draw charts. */
public record OutputSpec(long sampleIntervalPicos, boolean charts) {
}
