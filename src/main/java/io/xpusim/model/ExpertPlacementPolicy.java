package io.xpusim.model;

/**
 * Decides which expert-parallel rank holds which routed experts. Implementations are registered by name in
 * {@link ExpertPlacements}, so YAML ({@code moe: { placement: load-balanced }}) and code use the same word.
 */
public interface ExpertPlacementPolicy {
    /**
     * Places every layer's experts on {@code ranks} ranks with {@code redundant} extra slots per layer.
     *
     * @param expectedLoad expected tokens per expert for one token, {@code [moe layer][expert]} (what a placement
     *                     balancing on history sees; round-robin ignores it)
     */
    ExpertPlacement place(double[][] expectedLoad, int ranks, int redundant);

    /** Whether the policy uses redundant slots (replicas of hot experts); others need {@code redundant = 0}. */
    default boolean replicates() {
        return false;
    }
}
