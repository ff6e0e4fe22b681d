package io.xpusim.metrics;

import io.xpusim.metrics.PipelineSlice.SliceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Attributes every instant of a stage's step to one cause, so the parts add up to the step time. At each
 * instant the first of these that is active wins: computation, optimizer, tensor/context-parallel
 * communication, expert-parallel all-to-alls, data-parallel communication (gradient reduction, ZeRO parameter gathers), offload
 * transfers, an incoming pipeline transfer; an instant with none is pipeline bubble.
 */
public final class StepBreakdown {
    private StepBreakdown() {
    }

    /** Priority of a slice kind (lower wins), as the component index in {@link StageTime#components()}. */
    private static int component(SliceKind k) {
        return switch (k) {
            case FORWARD, BACKWARD, RECOMPUTE -> 0;
            case TP_COMM, CP_COMM -> 1;
            case DP_COMM, ZERO_GATHER -> 2;
            case PP_SEND -> 4;
            case OFFLOAD -> 5;
            case OPTIMIZER -> 6;
            case EP_COMM -> 7;
        };
    }

    /** Order in which causes claim an instant. */
    private static final int[] PRIORITY = {0, 6, 1, 7, 2, 5, 4};

    /** The breakdown of {@code stage} over [{@code startSeconds}, {@code endSeconds}] from its slices. */
    public static StageTime of(int stage, List<PipelineSlice> slices, double startSeconds, double endSeconds) {
        List<double[]> events = new ArrayList<>(); // time, component, +1/-1
        for (PipelineSlice s : slices) {
            if (s.stage() != stage) {
                continue;
            }
            double a = Math.max(startSeconds, s.startSeconds());
            double b = Math.min(endSeconds, s.endSeconds());
            if (b > a) {
                int c = component(s.kind());
                events.add(new double[] {a, c, 1});
                events.add(new double[] {b, c, -1});
            }
        }
        events.sort((x, y) -> Double.compare(x[0], y[0]));
        int[] active = new int[8];
        double[] total = new double[8];
        double t = startSeconds;
        for (double[] e : events) {
            credit(active, total, e[0] - t);
            t = e[0];
            active[(int) e[1]] += (int) e[2];
        }
        credit(active, total, endSeconds - t);
        return new StageTime(stage, total[0], total[1], total[2], total[3], total[4], total[5], total[6], total[7]);
    }

    private static void credit(int[] active, double[] total, double dt) {
        if (dt <= 0) {
            return;
        }
        for (int c : PRIORITY) {
            if (active[c] > 0) {
                total[c] += dt;
                return;
            }
        }
        total[3] += dt; // nothing ran and nothing was arriving: pipeline bubble
    }

    /** The mean over stages, component by component (each stage sums to the step time, so the mean does too). */
    public static StageTime mean(List<StageTime> stages) {
        double[] sum = new double[8];
        for (StageTime s : stages) {
            double[] c = s.components();
            for (int i = 0; i < c.length; i++) {
                sum[i] += c[i] / stages.size();
            }
        }
        return new StageTime(-1, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7]);
    }
}
