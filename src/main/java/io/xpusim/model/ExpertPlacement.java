package io.xpusim.model;

import java.util.Arrays;

/**
 * Where the routed experts of every MoE layer live: each of {@code ranks} expert-parallel ranks holds
 * {@code slotsPerRank} expert slots per layer, each slot one expert's weights; an expert may fill several slots
 * (redundant replicas), and then its tokens are split evenly among them. This is the one object the execution asks
 * "where is expert e of layer l".
 */
public final class ExpertPlacement {
    private final int ranks;
    private final int slotsPerRank;
    /** [layer][rank · slotsPerRank + slot] → expert. */
    private final int[][] expertInSlot;
    /** [layer][expert] → global slots holding it. */
    private final int[][][] slotsOfExpert;

    /** From the expert in every slot, {@code [layer][rank · slotsPerRank + slot]}; every expert needs a slot. */
    public ExpertPlacement(int ranks, int experts, int[][] expertInSlot) {
        this.ranks = ranks;
        this.slotsPerRank = expertInSlot[0].length / ranks;
        if (slotsPerRank * ranks != expertInSlot[0].length) {
            throw new IllegalArgumentException(expertInSlot[0].length + " slots do not split over " + ranks + " ranks");
        }
        this.expertInSlot = new int[expertInSlot.length][];
        this.slotsOfExpert = new int[expertInSlot.length][experts][];
        for (int l = 0; l < expertInSlot.length; l++) {
            this.expertInSlot[l] = expertInSlot[l].clone();
            int[] count = new int[experts];
            for (int e : expertInSlot[l]) {
                count[e]++;
            }
            for (int e = 0; e < experts; e++) {
                if (count[e] == 0) {
                    throw new IllegalArgumentException("layer " + l + " places no slot for expert " + e);
                }
                slotsOfExpert[l][e] = new int[count[e]];
            }
            Arrays.fill(count, 0);
            for (int s = 0; s < expertInSlot[l].length; s++) {
                int e = expertInSlot[l][s];
                slotsOfExpert[l][e][count[e]++] = s;
            }
        }
    }

    public int ranks() {
        return ranks;
    }

    public int slotsPerRank() {
        return slotsPerRank;
    }

    public int layers() {
        return expertInSlot.length;
    }

    public int experts() {
        return slotsOfExpert[0].length;
    }

    /** The expert in local slot {@code slot} of {@code rank} in MoE layer {@code layer}. */
    public int expertAt(int layer, int rank, int slot) {
        return expertInSlot[layer][rank * slotsPerRank + slot];
    }

    /** The ranks holding expert {@code expert} of MoE layer {@code layer} (one per replica, in slot order). */
    public int[] ranksOf(int layer, int expert) {
        int[] slots = slotsOfExpert[layer][expert];
        int[] out = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            out[i] = slots[i] / slotsPerRank;
        }
        return out;
    }

    /**
     * Spreads tokens per expert over slots: {@code out[rank][slot]} receives the tokens of the expert there, divided
     * by its replica count.
     */
    public void slotTokens(int layer, double[] tokensPerExpert, double[][] out) {
        int[] slots = expertInSlot[layer];
        for (int s = 0; s < slots.length; s++) {
            int e = slots[s];
            out[s / slotsPerRank][s % slotsPerRank] = tokensPerExpert[e] / slotsOfExpert[layer][e].length;
        }
    }
}
