package io.xpusim.model;

import java.util.Arrays;

/**
 * DeepSeek's EPLB with redundant experts: per layer, each of the {@code redundant} extra slots goes to the expert with
 * the highest expected load per replica, then all replicas are packed like {@link LoadBalancedPlacement} (hottest
 * first, least-loaded rank, never two replicas of one expert on a rank while another rank has room). A replicated
 * expert's tokens are split evenly among its replicas.
 */
public final class ReplicateHotPlacement implements ExpertPlacementPolicy {
    @Override
    public ExpertPlacement place(double[][] expectedLoad, int ranks, int redundant) {
        int experts = expectedLoad[0].length;
        int perRank = (experts + redundant) / ranks;
        int[][] slots = new int[expectedLoad.length][];
        for (int l = 0; l < slots.length; l++) {
            double[] load = expectedLoad[l];
            int[] copies = new int[experts];
            Arrays.fill(copies, 1);
            for (int i = 0; i < redundant; i++) {
                int hot = 0;
                for (int e = 1; e < experts; e++) {
                    if (load[e] / copies[e] > load[hot] / copies[hot]) {
                        hot = e;
                    }
                }
                copies[hot]++;
            }
            slots[l] = LoadBalancedPlacement.pack(load, copies, ranks, perRank);
        }
        return new ExpertPlacement(ranks, experts, slots);
    }

    @Override
    public boolean replicates() {
        return true;
    }
}
