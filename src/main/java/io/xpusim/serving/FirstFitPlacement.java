package io.xpusim.serving;

import java.util.List;

/** The fastest offload tier with room; nothing already swapped out ever moves (no demotion). */
public final class FirstFitPlacement implements KvPlacement {
    @Override
    public int place(Tiers tiers, double bytes, List<Move> moves) {
        for (int t = 0; t < tiers.count(); t++) {
            if (tiers.free(t) >= bytes) {
                return t;
            }
        }
        return -1;
    }
}
