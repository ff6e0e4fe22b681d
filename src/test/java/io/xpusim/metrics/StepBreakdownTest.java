package io.xpusim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.metrics.PipelineSlice.SliceKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attribution of a stage's step time to causes, on synthetic slices whose answer is worked out by hand. */
class StepBreakdownTest {

    private static PipelineSlice slice(int stage, SliceKind kind, double start, double end) {
        return new PipelineSlice(stage, kind, -1, -1, start, end);
    }

    /**
     * Stage 0 over [0, 10] s:
     * <pre>
     *   FORWARD   [0, 4]      compute wins everything it covers           → compute 4
     *   TP_COMM   [3, 5]      [3, 4] hidden under compute, [4, 5] exposed → tp 1
     *   DP_COMM   [4.5, 7]    [4.5, 5] loses to TP (higher priority), [5, 7] exposed → dp 2
     *   PP_SEND   [7, 8]      nothing else runs: waiting on a neighbour's transfer → p2p 1
     *   (nothing) [8, 9]                                                  → bubble 1
     *   OPTIMIZER [9, 10]                                                 → optimizer 1
     * </pre>
     * 4 + 1 + 2 + 1 + 1 + 0 + 1 = 10 = the window.
     */
    private static List<PipelineSlice> stage0() {
        return List.of(slice(0, SliceKind.FORWARD, 0, 4), slice(0, SliceKind.TP_COMM, 3, 5),
                slice(0, SliceKind.DP_COMM, 4.5, 7), slice(0, SliceKind.PP_SEND, 7, 8),
                slice(0, SliceKind.OPTIMIZER, 9, 10));
    }

    private static void assertComponents(StageTime t, double compute, double tp, double dp, double bubble, double p2p,
                                         double offload, double optimizer) {
        assertEquals(compute, t.computeSeconds(), 1e-12, "compute");
        assertEquals(tp, t.exposedTpCommSeconds(), 1e-12, "exposed tp");
        assertEquals(dp, t.exposedDpCommSeconds(), 1e-12, "exposed dp");
        assertEquals(bubble, t.ppBubbleSeconds(), 1e-12, "bubble");
        assertEquals(p2p, t.ppP2pSeconds(), 1e-12, "p2p");
        assertEquals(offload, t.offloadStallSeconds(), 1e-12, "offload");
        assertEquals(optimizer, t.optimizerSeconds(), 1e-12, "optimizer");
    }

    @Test
    void eachInstantGoesToTheHighestPriorityCause() {
        StageTime t = StepBreakdown.of(0, stage0(), 0, 10);
        assertEquals(0, t.stage());
        assertComponents(t, 4, 1, 2, 1, 1, 0, 1);
        assertEquals(10.0, t.totalSeconds(), 1e-12);
    }

    @Test
    void slicesOfOtherStagesAreIgnored() {
        List<PipelineSlice> slices = new ArrayList<>(stage0());
        // stage 1 computes through stage 0's bubble and communicates everywhere: none of it belongs to stage 0
        slices.add(slice(1, SliceKind.BACKWARD, 7, 9));
        slices.add(slice(1, SliceKind.TP_COMM, 0, 10));
        slices.add(slice(1, SliceKind.OFFLOAD, 8, 9));
        StageTime t = StepBreakdown.of(0, slices, 0, 10);
        assertComponents(t, 4, 1, 2, 1, 1, 0, 1);
        // stage 1 on its own: backward [7, 9] → compute 2; TP comm exposed elsewhere → 10 − 2 = 8
        StageTime s1 = StepBreakdown.of(1, slices, 0, 10);
        assertEquals(1, s1.stage());
        assertComponents(s1, 2, 8, 0, 0, 0, 0, 0);
        assertEquals(10.0, s1.totalSeconds(), 1e-12);
    }

    @Test
    void slicesAreClippedToTheWindow() {
        // window [2, 9]: forward [0, 4] → [2, 4] = 2; tp [4, 5] = 1; dp [5, 7] = 2; p2p [7, 8] = 1; bubble [8, 9] = 1;
        // the optimizer [9, 10] falls outside
        StageTime t = StepBreakdown.of(0, stage0(), 2, 9);
        assertComponents(t, 2, 1, 2, 1, 1, 0, 0);
        assertEquals(7.0, t.totalSeconds(), 1e-12);

        // slices hanging over both ends, and one entirely before the window
        List<PipelineSlice> over = List.of(slice(0, SliceKind.RECOMPUTE, -3, 1), slice(0, SliceKind.OFFLOAD, 9, 12),
                slice(0, SliceKind.FORWARD, -5, -1));
        // [0, 1] compute, [1, 9] nothing → bubble 8, [9, 10] offload stall
        StageTime o = StepBreakdown.of(0, over, 0, 10);
        assertComponents(o, 1, 0, 0, 8, 0, 1, 0);
        assertEquals(10.0, o.totalSeconds(), 1e-12);
    }

    @Test
    void meanAveragesEachComponent() {
        StageTime a = StepBreakdown.of(0, stage0(), 0, 10); // 4, 1, 2, 1, 1, 0, 1
        StageTime b = new StageTime(1, 6, 0, 1, 2, 0, 1, 0); // sums to 10 too
        StageTime m = StepBreakdown.mean(List.of(a, b));
        assertEquals(-1, m.stage());
        // (4+6)/2 = 5, (1+0)/2 = 0.5, (2+1)/2 = 1.5, (1+2)/2 = 1.5, (1+0)/2 = 0.5, (0+1)/2 = 0.5, (1+0)/2 = 0.5
        assertComponents(m, 5, 0.5, 1.5, 1.5, 0.5, 0.5, 0.5);
        assertEquals(10.0, m.totalSeconds(), 1e-12);
    }
}
