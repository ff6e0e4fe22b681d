package io.xpusim.serving;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A cache hierarchy: new KV always goes to the fastest tier; when it is full, the requests swapped out longest ago
 * are demoted to the next tier (which makes room the same way), the demotions running before the new swap-out. When
 * even the slowest tier cannot make room, it falls back to the fastest tier with room, without demotion.
 */
public final class LruPlacement implements KvPlacement {
    @Override
    public int place(Tiers tiers, double bytes, List<Move> moves) {
        double[] free = new double[tiers.count()];
        for (int t = 0; t < free.length; t++) {
            free[t] = tiers.free(t);
        }
        if (makeRoom(tiers, 0, bytes, free, new HashSet<>(), moves)) {
            return 0;
        }
        moves.clear();
        return new FirstFitPlacement().place(tiers, bytes, moves);
    }

    /** Frees {@code bytes} in {@code tier} by demoting its least recent requests (recursively); false if it cannot. */
    private static boolean makeRoom(Tiers tiers, int tier, double bytes, double[] free, Set<ServingRequest> moved,
                                    List<Move> moves) {
        if (free[tier] < bytes && tier + 1 < tiers.count()) {
            List<ServingRequest> victims = new ArrayList<>();
            for (ServingRequest r : tiers.leastRecentFirst(tier)) {
                if (free[tier] >= bytes) {
                    break;
                }
                if (!moved.contains(r) && !tiers.moving(r)) {
                    victims.add(r);
                    free[tier] += tiers.bytes(r);
                }
            }
            for (ServingRequest r : victims) {
                moved.add(r);
                if (!makeRoom(tiers, tier + 1, tiers.bytes(r), free, moved, moves)) {
                    return false;
                }
                moves.add(new Move(r, tier, tier + 1));
            }
        }
        if (free[tier] < bytes) {
            return false;
        }
        free[tier] -= bytes;
        return true;
    }
}
