package io.xpusim.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Expert placement policies on hand-checkable loads. */
class ExpertPlacementsTest {
    private static double rankLoad(ExpertPlacement p, double[] load, int rank) {
        double[][] slots = new double[p.ranks()][p.slotsPerRank()];
        p.slotTokens(0, load, slots);
        return Arrays.stream(slots[rank]).sum();
    }

    @Test
    void registryKnowsThreePolicies() {
        assertEquals(java.util.Set.of("round-robin", "load-balanced", "replicate-hot"), ExpertPlacements.names());
        assertTrue(ExpertPlacements.create("replicate-hot").replicates());
    }

    @Test
    void roundRobinPutsExpertEOnRankEModRanks() {
        ExpertPlacement p = ExpertPlacements.create("round-robin").place(new double[1][8], 4, 0);
        assertEquals(2, p.slotsPerRank());
        assertArrayEquals(new int[] {1}, p.ranksOf(0, 5));
        assertEquals(4, p.expertAt(0, 0, 1));
    }

    @Test
    void loadBalancedEvensOutAKnownSkew() {
        // loads 8,4,2,2,1,1,1,1 on 2 ranks of 4 slots: round-robin gives 8+2+1+1 = 12 vs 4+2+1+1 = 8;
        // greedy, hottest first to the lighter rank with room: 8 | 4,2,2 → 8 | 8 → 9 | 9 → 10 | full → 11 | 9,
        // the best four slots allow (the rank holding 8 takes three more experts, at least 1 each)
        double[] load = {8, 4, 2, 2, 1, 1, 1, 1};
        ExpertPlacement rr = ExpertPlacements.create("round-robin").place(new double[][] {load}, 2, 0);
        assertEquals(12, rankLoad(rr, load, 0), 0);
        ExpertPlacement lb = ExpertPlacements.create("load-balanced").place(new double[][] {load}, 2, 0);
        assertEquals(11, rankLoad(lb, load, 0), 0);
        assertEquals(9, rankLoad(lb, load, 1), 0);
    }

    @Test
    void replicateHotSplitsTheHottestExpertOverRanks() {
        // DeepSeek's prefill layout: 256 experts + 32 redundant on 32 ranks = 9 slots each
        double[] load = new double[256];
        Arrays.fill(load, 1);
        load[17] = 40;
        ExpertPlacement p = ExpertPlacements.create("replicate-hot").place(new double[][] {load}, 32, 32);
        assertEquals(9, p.slotsPerRank());
        int[] ranks = p.ranksOf(0, 17);
        // 40 per replica beats 1 until it has 32 replicas … no: each extra slot goes to the highest load per
        // replica; 40/k > 1 for k < 40, so all 32 redundant slots go to expert 17 (33 replicas, 40/33 each)
        assertEquals(33, ranks.length);
        assertEquals(32, Arrays.stream(ranks).distinct().count(), "at most one replica per rank while others have room");
        double total = 0;
        for (int r = 0; r < 32; r++) {
            total += rankLoad(p, load, r);
        }
        assertEquals(255 + 40, total, 1e-9); // tokens conserved over the replicas
    }
}
