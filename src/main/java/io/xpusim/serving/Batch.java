package io.xpusim.serving;

import java.util.ArrayList;
import java.util.List;

/**
 * What one iteration runs: prompt chunks (request and chunk length), decoding requests, and idle slots —
 * finished sequences a request-level batch still carries, which cost GEMM rows but produce nothing.
 */
public final class Batch {
    final List<ServingRequest> prefills = new ArrayList<>();
    final List<Integer> chunkTokens = new ArrayList<>();
    final List<ServingRequest> decodes = new ArrayList<>();
    int idleSlots;

    void clear() {
        prefills.clear();
        chunkTokens.clear();
        decodes.clear();
        idleSlots = 0;
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
