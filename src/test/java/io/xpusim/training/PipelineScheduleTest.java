package io.xpusim.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The three pipeline schedules: hand-checked orders, completeness, and a dependency-driven executor that must run
 * each order without deadlock in the step time the papers give.
 */
class PipelineScheduleTest {
    private static final PipelineSchedule GPIPE = new GPipeSchedule();
    private static final PipelineSchedule ONE_F_ONE_B = new OneFOneBSchedule();
    private static final PipelineSchedule INTERLEAVED = new InterleavedSchedule();

    /** (p, m) for the schedules without virtual stages, including m &lt; p, m = 1 and p = 1. */
    static Stream<Arguments> plain() {
        return Stream.of(
                Arguments.of(1, 1), Arguments.of(1, 4), Arguments.of(2, 1), Arguments.of(2, 2), Arguments.of(3, 7),
                Arguments.of(4, 1), Arguments.of(4, 3), Arguments.of(4, 4), Arguments.of(4, 8), Arguments.of(8, 16),
                Arguments.of(8, 5));
    }

    /** (p, m, v) for interleaving: m a multiple of p when v &gt; 1, including m = p and v = 1. */
    static Stream<Arguments> interleaved() {
        return Stream.of(
                Arguments.of(1, 3, 4), Arguments.of(2, 2, 2), Arguments.of(2, 4, 2), Arguments.of(3, 6, 3),
                Arguments.of(4, 4, 2), Arguments.of(4, 8, 2), Arguments.of(4, 8, 3), Arguments.of(4, 8, 4),
                Arguments.of(4, 16, 2), Arguments.of(8, 8, 2), Arguments.of(8, 16, 2), Arguments.of(8, 24, 4),
                Arguments.of(4, 6, 1), Arguments.of(4, 2, 1));
    }

    // ---- hand-checked orders ------------------------------------------------------------------------------------

    @Test
    void gpipeRunsAllForwardsThenBackwardsLastMicroBatchFirst() {
        assertEquals("F0.0 F1.0 F2.0 B2.0 B1.0 B0.0", text(GPIPE.order(1, 4, 3, 1)));
    }

    @Test
    void oneFOneBWarmsUpWithOneForwardPerLaterStage() {
        assertEquals("F0.0 F1.0 F2.0 B0.0 F3.0 B1.0 F4.0 B2.0 F5.0 B3.0 B4.0 B5.0",
                text(ONE_F_ONE_B.order(1, 4, 6, 1)));
        assertEquals("F0.0 B0.0 F1.0 B1.0 F2.0 B2.0", text(ONE_F_ONE_B.order(3, 4, 3, 1)), "last stage: no warm-up");
        assertEquals("F0.0 F1.0 B0.0 B1.0", text(ONE_F_ONE_B.order(0, 4, 2, 1)), "m < p: all forwards first");
    }

    @Test
    void interleavedWalksGroupsOfPMicroBatchesChunkByChunk() {
        // p = 2, m = 4, v = 2, stage 0: warm-up (2 − 0 − 1)·2 + (2 − 1)·2 = 4 of 8.
        assertEquals("F0.0 F1.0 F0.1 F1.1 "
                        + "F2.0 B0.1 F3.0 B1.1 F2.1 B0.0 F3.1 B1.0 "
                        + "B2.1 B3.1 B2.0 B3.0",
                text(INTERLEAVED.order(0, 2, 4, 2)));
        // stage 1: warm-up (v − 1)·p = 2.
        assertEquals("F0.0 F1.0 "
                        + "F0.1 B0.1 F1.1 B1.1 F2.0 B0.0 F3.0 B1.0 F2.1 B2.1 F3.1 B3.1 "
                        + "B2.0 B3.0",
                text(INTERLEAVED.order(1, 2, 4, 2)));
    }

    @ParameterizedTest
    @MethodSource("plain")
    void interleavedWithOneVirtualStageIsOneFOneB(int p, int m) {
        for (int s = 0; s < p; s++) {
            assertEquals(ONE_F_ONE_B.order(s, p, m, 1), INTERLEAVED.order(s, p, m, 1), "stage " + s);
        }
    }

    // ---- completeness -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("plain")
    void gpipeAndOneFOneBRunEveryMicroBatchOnceEachWay(int p, int m) {
        assertComplete(GPIPE, p, m, 1);
        assertComplete(ONE_F_ONE_B, p, m, 1);
    }

    @ParameterizedTest
    @MethodSource("interleaved")
    void interleavedRunsEveryMicroBatchAndChunkOnceEachWay(int p, int m, int v) {
        assertComplete(INTERLEAVED, p, m, v);
    }

    private static void assertComplete(PipelineSchedule schedule, int p, int m, int v) {
        for (int s = 0; s < p; s++) {
            List<PipelineTask> order = schedule.order(s, p, m, v);
            assertEquals(2 * m * v, order.size(), schedule.name() + " stage " + s);
            int[][] forwardAt = new int[m][v];
            int[][] backwardAt = new int[m][v];
            for (int[] row : forwardAt) {
                Arrays.fill(row, -1);
            }
            for (int[] row : backwardAt) {
                Arrays.fill(row, -1);
            }
            for (int i = 0; i < order.size(); i++) {
                PipelineTask t = order.get(i);
                int[][] at = t.pass() == Pass.FORWARD ? forwardAt : backwardAt;
                assertEquals(-1, at[t.microBatch()][t.chunk()], schedule.name() + " stage " + s + ": twice " + t);
                at[t.microBatch()][t.chunk()] = i;
            }
            for (int mb = 0; mb < m; mb++) {
                for (int c = 0; c < v; c++) {
                    assertTrue(forwardAt[mb][c] >= 0 && forwardAt[mb][c] < backwardAt[mb][c],
                            schedule.name() + " stage " + s + ": forward of (" + mb + ", " + c
                                    + ") not before backward");
                }
            }
        }
    }

    // ---- step time on the dependency-driven executor ------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("plain")
    void gpipeAndOneFOneBTakeMPlusPMinusOneForwardBackwardTimes(int p, int m) {
        // (m + p − 1)·(tf + tb) with tf = 1, tb = 2.
        assertEquals(3L * (m + p - 1), execute(GPIPE, p, m, 1));
        assertEquals(3L * (m + p - 1), execute(ONE_F_ONE_B, p, m, 1));
    }

    @ParameterizedTest
    @MethodSource("interleaved")
    void interleavedShrinksTheBubbleToPMinusOneOverV(int p, int m, int v) {
        // (m + (p − 1)/v)·3 time units; the executor counts in units of 1/v, so v·(m + (p − 1)/v)·3 = 3·(m·v + p − 1).
        assertEquals(3L * (m * v + p - 1), execute(INTERLEAVED, p, m, v));
    }

    @Test
    void theExecutorReportsADeadlock() {
        // Stage 0 wants the backward of micro-batch 0 before sending forward micro-batch 1, which stage 1 needs
        // before it runs that backward.
        PipelineSchedule crossed = new PipelineSchedule() {
            @Override
            public String name() {
                return "crossed";
            }

            @Override
            public List<PipelineTask> order(int stage, int stages, int microBatches, int virtualStages) {
                return stage == 0
                        ? List.of(f(0), b(0), f(1), b(1))
                        : List.of(f(0), f(1), b(0), b(1));
            }
        };
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> execute(crossed, 2, 2, 1));
        assertTrue(e.getMessage().startsWith("crossed deadlocks at p=2 m=2 v=1"), e.getMessage());
    }

    private static PipelineTask f(int microBatch) {
        return new PipelineTask(Pass.FORWARD, microBatch, 0);
    }

    private static PipelineTask b(int microBatch) {
        return new PipelineTask(Pass.BACKWARD, microBatch, 0);
    }

    /**
     * Runs every stage's order as soon as its data dependencies allow and returns the step time in units of 1/v
     * (a chunk's forward takes 1, its backward 2, communication is free). Block k = c·p + s lives on stage k mod p;
     * a forward of block k needs the forward of block k − 1, a backward of block k the backward of block k + 1 and
     * its own forward. Each stage runs its order strictly in sequence. Fails on deadlock.
     */
    static long execute(PipelineSchedule schedule, int p, int m, int v) {
        int blocks = p * v;
        long[][] forwardEnd = new long[m][blocks];
        long[][] backwardEnd = new long[m][blocks];
        for (long[] row : forwardEnd) {
            Arrays.fill(row, -1);
        }
        for (long[] row : backwardEnd) {
            Arrays.fill(row, -1);
        }
        List<List<PipelineTask>> orders = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            orders.add(schedule.order(s, p, m, v));
        }
        int[] next = new int[p];
        long[] free = new long[p];
        int left = 2 * m * blocks;
        while (left > 0) {
            boolean progress = false;
            for (int s = 0; s < p; s++) {
                while (next[s] < orders.get(s).size()) {
                    PipelineTask t = orders.get(s).get(next[s]);
                    int block = t.chunk() * p + s;
                    int mb = t.microBatch();
                    long ready;
                    if (t.pass() == Pass.FORWARD) {
                        ready = block == 0 ? 0 : forwardEnd[mb][block - 1];
                    } else {
                        long own = forwardEnd[mb][block];
                        long after = block == blocks - 1 ? 0 : backwardEnd[mb][block + 1];
                        ready = own < 0 || after < 0 ? -1 : Math.max(own, after);
                    }
                    if (ready < 0) {
                        break;
                    }
                    long end = Math.max(free[s], ready) + (t.pass() == Pass.FORWARD ? 1 : 2);
                    (t.pass() == Pass.FORWARD ? forwardEnd : backwardEnd)[mb][block] = end;
                    free[s] = end;
                    next[s]++;
                    left--;
                    progress = true;
                }
            }
            if (!progress) {
                StringBuilder stuck = new StringBuilder();
                for (int s = 0; s < p; s++) {
                    stuck.append(" stage ").append(s).append(" waits on ").append(orders.get(s).get(next[s]));
                }
                fail(schedule.name() + " deadlocks at p=" + p + " m=" + m + " v=" + v + ":" + stuck);
            }
        }
        return Arrays.stream(free).max().orElseThrow();
    }

    // ---- activations held ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("plain")
    void gpipeHoldsAllMicroBatchesAndOneFOneBAtMostPMinusStage(int p, int m) {
        for (int s = 0; s < p; s++) {
            assertEquals(m, GPIPE.peakInFlight(s, p, m, 1));
            assertEquals(m, counted(GPIPE, s, p, m, 1));
            assertEquals(Math.min(p - s, m), ONE_F_ONE_B.peakInFlight(s, p, m, 1), "stage " + s);
            assertEquals(Math.min(p - s, m), counted(ONE_F_ONE_B, s, p, m, 1), "stage " + s);
        }
    }

    @ParameterizedTest
    @MethodSource("interleaved")
    void interleavedHoldsItsWarmUpPlusOne(int p, int m, int v) {
        // Megatron's warm-up (p − s − 1)·2 + (v − 1)·p, plus the first steady-state forward; 1F1B's p − s when v = 1.
        int stage0 = v == 1 ? Math.min(p, m) : Math.min((p - 1) * 2 + (v - 1) * p + 1, m * v);
        assertEquals(stage0, counted(INTERLEAVED, 0, p, m, v));
        for (int s = 0; s < p; s++) {
            int expected = v == 1 ? Math.min(p - s, m) : Math.min((p - s - 1) * 2 + (v - 1) * p + 1, m * v);
            assertEquals(expected, INTERLEAVED.peakInFlight(s, p, m, v), "stage " + s);
            assertEquals(expected, counted(INTERLEAVED, s, p, m, v), "stage " + s);
        }
    }

    /** Peak activations counted from the order itself, independent of the schedule's closed form. */
    private static int counted(PipelineSchedule schedule, int s, int p, int m, int v) {
        int held = 0;
        int peak = 0;
        for (PipelineTask t : schedule.order(s, p, m, v)) {
            held += t.pass() == Pass.FORWARD ? 1 : -1;
            peak = Math.max(peak, held);
        }
        return peak;
    }

    // ---- check --------------------------------------------------------------------------------------------------

    @Test
    void interleavingNeedsMicroBatchesInGroupsOfP() {
        String problem = INTERLEAVED.check(4, 6, 2);
        assertEquals("interleaved schedule needs the micro-batch count to be a multiple of the pipeline stages, but "
                + "6 micro-batches do not divide into groups of 4 stages (try 8, or schedule: 1f1b)", problem);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> INTERLEAVED.order(0, 4, 6, 2));
        assertEquals(problem, e.getMessage());
        assertNull(INTERLEAVED.check(4, 8, 2));
        assertNull(INTERLEAVED.check(4, 6, 1), "one virtual stage is plain 1F1B, any m works");
    }

    @Test
    void scheduleWithoutChunksRejectsVirtualStages() {
        assertEquals("gpipe has no virtual stages (use schedule: interleaved)", GPIPE.check(4, 8, 2));
        assertEquals("1f1b has no virtual stages (use schedule: interleaved)", ONE_F_ONE_B.check(4, 8, 2));
        assertNull(GPIPE.check(4, 3, 1));
        assertNull(ONE_F_ONE_B.check(4, 3, 1));
    }

    @Test
    void countsBelowOneAndStagesOutOfRangeAreRejected() {
        for (PipelineSchedule s : List.of(GPIPE, ONE_F_ONE_B, INTERLEAVED)) {
            assertEquals("pipeline stages must be at least 1, got 0", s.check(0, 4, 1));
            assertEquals("micro-batches per step must be at least 1, got 0", s.check(4, 0, 1));
            assertEquals("virtual stages must be at least 1, got 0", s.check(4, 4, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.order(4, 4, 4, 1));
            assertEquals("stage 4 is outside 0..3", e.getMessage());
        }
    }

    private static String text(List<PipelineTask> order) {
        return order.stream()
                .map(t -> (t.pass() == Pass.FORWARD ? "F" : "B") + t.microBatch() + "." + t.chunk())
                .collect(Collectors.joining(" "));
    }
}
