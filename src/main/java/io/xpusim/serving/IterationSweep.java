package io.xpusim.serving;

import java.util.List;

/**
 * What a {@code kind: iteration} scenario times: one prefill iteration of {@code batch} prompts of
 * {@code promptTokens} tokens each, for every batch size, on the first device of every node group.
 */
public record IterationSweep(int promptTokens, List<Integer> batchSizes) {
    public IterationSweep {
        batchSizes = List.copyOf(batchSizes);
    }
}
