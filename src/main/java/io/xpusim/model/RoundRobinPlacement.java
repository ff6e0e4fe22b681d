package io.xpusim.model;

/** Expert e on rank e mod ranks, whatever the load: the default of engines without a load balancer. */
public final class RoundRobinPlacement implements ExpertPlacementPolicy {
    @Override
    public ExpertPlacement place(double[][] expectedLoad, int ranks, int redundant) {
        int experts = expectedLoad[0].length;
        int perRank = experts / ranks;
        int[][] slots = new int[expectedLoad.length][experts];
        for (int l = 0; l < slots.length; l++) {
            for (int e = 0; e < experts; e++) {
                slots[l][(e % ranks) * perRank + e / ranks] = e;
            }
        }
        return new ExpertPlacement(ranks, experts, slots);
    }
}
