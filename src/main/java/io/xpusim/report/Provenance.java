package io.xpusim.report;

/**
 * Where a result came from, for its report: the xpusim version and git commit it was built from, the seed, and
 * the SHA-256 of the resolved scenario (or of the sweep definition) — enough to reproduce or to tell two
 * results apart. No timestamps or wall times, so the same inputs give the same report, byte for byte.
 */
public record Provenance(String version, String commit, String seed, String sha256, String sha256Of) {
}
