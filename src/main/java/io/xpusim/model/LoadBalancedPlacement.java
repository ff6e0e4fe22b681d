package io.xpusim.model;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Experts placed by expected load without replicas, as EPLB does when it has no redundant slots: per layer, hottest
 * first, each to the least-loaded rank that still has a free slot (ties: the lowest rank).
 */
public final class LoadBalancedPlacement implements ExpertPlacementPolicy {
    @Override
    public ExpertPlacement place(double[][] expectedLoad, int ranks, int redundant) {
        int experts = expectedLoad[0].length;
        int[][] slots = new int[expectedLoad.length][];
        for (int l = 0; l < slots.length; l++) {
            int[] copies = new int[experts];
            Arrays.fill(copies, 1);
            slots[l] = pack(expectedLoad[l], copies, ranks, experts / ranks);
        }
        return new ExpertPlacement(ranks, experts, slots);
    }

    /**
     * Greedy packing of {@code copies[e]} replicas of each expert (each carrying load / copies) onto ranks of
     * {@code perRank} slots: heaviest replica first, to the least-loaded rank with a free slot, preferring a rank that
     * does not hold the expert yet. Returns the expert in every global slot.
     */
    static int[] pack(double[] load, int[] copies, int ranks, int perRank) {
        int experts = load.length;
        int total = 0;
        for (int c : copies) {
            total += c;
        }
        Integer[] order = new Integer[experts];
        for (int e = 0; e < experts; e++) {
            order[e] = e;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer e) -> -load[e] / copies[e]).thenComparingInt(e -> e));
        double[] rankLoad = new double[ranks];
        int[] used = new int[ranks];
        int[] slots = new int[total];
        boolean[][] holds = new boolean[ranks][experts];
        for (int e : order) {
            double share = load[e] / copies[e];
            for (int c = 0; c < copies[e]; c++) {
                int best = -1;
                for (int pass = 0; pass < 2 && best < 0; pass++) {
                    for (int r = 0; r < ranks; r++) {
                        if (used[r] < perRank && (pass == 1 || !holds[r][e])
                                && (best < 0 || rankLoad[r] < rankLoad[best])) {
                            best = r;
                        }
                    }
                }
                slots[best * perRank + used[best]++] = e;
                holds[best][e] = true;
                rankLoad[best] += share;
            }
        }
        return slots;
    }
}
