package io.xpusim.serving;

import java.util.ArrayList;
import java.util.List;

/** What one iteration runs: prompt chunks (request and chunk length) and decoding requests. */
public final class Batch {
    final List<ServingRequest> prefills = new ArrayList<>();
    final List<Integer> chunkTokens = new ArrayList<>();
    final List<ServingRequest> decodes = new ArrayList<>();

    void clear() {
        prefills.clear();
        chunkTokens.clear();
        decodes.clear();
    }

    public boolean isEmpty() {
        return prefills.isEmpty() && decodes.isEmpty();
    }

    public int size() {
        return prefills.size() + decodes.size();
    }

    void addPrefill(ServingRequest r, int tokens) {
        prefills.add(r);
        chunkTokens.add(tokens);
    }
}
