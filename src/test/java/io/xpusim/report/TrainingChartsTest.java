package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.PipelineSlice;
import io.xpusim.metrics.PipelineSlice.SliceKind;
import io.xpusim.metrics.StageMemory;
import io.xpusim.metrics.StageTime;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training charts: valid PNGs of the house size, byte-identical across runs, robust to no data and to scale. */
class TrainingChartsTest {
    private static final double GIB = 1024.0 * 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void writesThreeValidPngsDeterministically() throws IOException {
        Step step = oneFOneB(4, 8, 0.010, true);
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        List<Path> first = TrainingCharts.write(a, "test-4x8", step.slices, step.times, memory(4, 80 * GIB));
        List<Path> second = TrainingCharts.write(b, "test-4x8", step.slices, step.times, memory(4, 80 * GIB));
        assertEquals(List.of(a.resolve("pipeline-timeline.png"), a.resolve("time-breakdown.png"),
                a.resolve("memory-per-stage.png")), first);
        for (int i = 0; i < first.size(); i++) {
            assertPng(first.get(i));
            assertArrayEquals(Files.readAllBytes(first.get(i)), Files.readAllBytes(second.get(i)),
                    first.get(i).getFileName() + " differs between two runs");
        }
        String sample = System.getProperty("xpusim.chartSample");
        if (sample != null) { // mvn ... -Dxpusim.chartSample=/tmp/training-charts-sample to look at the charts
            Path dir = Files.createDirectories(Path.of(sample));
            TrainingCharts.write(dir, "llama-test-4x8", step.slices, step.times, memory(4, 80 * GIB));
            Step big = oneFOneB(128, 334, 0.004, false);
            Path bigDir = Files.createDirectories(dir.resolve("128"));
            TrainingCharts.write(bigDir, "llama-test-128x334", big.slices, big.times, memory(128, 80 * GIB));
            Step mid = oneFOneB(8, 24, 0.150, true);
            List<StageMemory> mixed = new ArrayList<>(memory(8, 96 * GIB));
            mixed.replaceAll(m -> m.stage() % 2 == 0 ? m
                    : new StageMemory(m.stage(), "MI300X", m.weightsBytes(), m.gradientsBytes(), m.optimizerBytes(),
                            m.activationsBytes(), 192 * GIB));
            TrainingCharts.write(Files.createDirectories(dir.resolve("8")), "llama-test-8x24", mid.slices, mid.times,
                    mixed);
            TrainingCharts.write(Files.createDirectories(dir.resolve("empty")), "empty", List.of(), List.of(), List.of());
            for (double fwd : new double[] {0.0012, 0.04, 0.1}) { // steps around 1 s and 1 ms: axis ticks
                Step small = oneFOneB(2, 4, fwd, false);
                TrainingCharts.write(Files.createDirectories(dir.resolve("fwd-" + fwd)), "fwd " + fwd, small.slices,
                        small.times, memory(2, 80 * GIB));
            }
        }
    }

    @Test
    void emptyInputsStillDrawCharts() throws IOException {
        List<Path> files = TrainingCharts.write(tmp, "empty", List.of(), List.of(), List.of());
        assertEquals(3, files.size());
        for (Path f : files) {
            assertPng(f);
        }
    }

    @Test
    void stepsOverASecondUseSeconds() throws IOException {
        Step step = oneFOneB(2, 4, 0.5, false);
        for (Path f : TrainingCharts.write(tmp, "slow", step.slices, step.times, memory(2, 80 * GIB))) {
            assertPng(f);
        }
    }

    @Test
    void wideSlicesAreDrawnExactlyWithTheirMicroBatch() {
        Step step = oneFOneB(4, 8, 0.010, false);
        double span = step.slices.stream().mapToDouble(PipelineSlice::endSeconds).max().orElseThrow();
        TrainingCharts.SliceDataset d = TrainingCharts.SliceDataset.build(step.slices, 0, span, TrainingCharts.MERGE_COLUMNS, 1e3);
        int forward = d.kinds().indexOf(SliceKind.FORWARD);
        assertEquals(4 * 8, d.getItemCount(forward));
        for (int i = 0; i < d.getItemCount(forward); i++) {
            assertTrue(d.microBatch(forward, i) >= 0);
            assertEquals(10.0, d.getEndXValue(forward, i) - d.getStartXValue(forward, i), 1e-9); // ms
        }
    }

    @Test
    void rasterisingBoundsTheBarsPerStageAndCoversEverySlice() {
        Step step = oneFOneB(2, 1000, 0.001, false);
        double span = step.slices.stream().mapToDouble(PipelineSlice::endSeconds).max().orElseThrow();
        int columns = TrainingCharts.MERGE_COLUMNS;
        TrainingCharts.SliceDataset d = TrainingCharts.SliceDataset.build(step.slices, 0, span, columns, 1);
        assertTrue(d.rasterised() > 0);
        int solid = 0;
        for (int series = 0; series < d.getSeriesCount(); series++) {
            if (!TrainingCharts.SliceDataset.isBand(d.kind(series))) {
                solid += d.getItemCount(series);
            }
            assertTrue(d.getItemCount(series) <= 2 * columns, d.kind(series) + ": " + d.getItemCount(series) + " bars");
        }
        assertTrue(solid <= 2 * columns, solid + " solid bars on 2 stages");
        // a band of the slice's own kind, or for computation a solid bar of some kind, lies over every slice
        for (PipelineSlice s : step.slices) {
            boolean covered = false;
            for (int series = 0; series < d.getSeriesCount() && !covered; series++) {
                SliceKind k = d.kind(series);
                boolean band = TrainingCharts.SliceDataset.isBand(k);
                if (band ? k != s.kind() : TrainingCharts.SliceDataset.isBand(s.kind())) {
                    continue;
                }
                for (int i = 0; i < d.getItemCount(series) && !covered; i++) {
                    covered = d.getYValue(series, i) == s.stage() && d.getStartXValue(series, i) < s.endSeconds()
                            && d.getEndXValue(series, i) > s.startSeconds();
                }
            }
            assertTrue(covered, s + " is not drawn");
        }
    }

    @Test
    void gibFormatting() {
        double g = 1024.0 * 1024 * 1024;
        assertEquals("80", TrainingCharts.gib(80 * g));
        assertEquals("5.25", TrainingCharts.gib(5.25 * g));
        assertEquals("0.5", TrainingCharts.gib(0.5 * g));
        assertEquals("192", TrainingCharts.gib(192 * g));
        assertEquals("85.3", TrainingCharts.gib(85.3333 * g));
    }

    @Test
    void manyStagesRender() throws IOException {
        Step step = oneFOneB(128, 334, 0.004, false); // ~2,000 slices on each of 128 stages
        assertTrue(step.slices.size() > 250_000);
        for (Path f : TrainingCharts.write(tmp, "big", step.slices, step.times, memory(128, 80 * GIB))) {
            assertPng(f);
        }
    }

    private static void assertPng(Path f) throws IOException {
        assertTrue(Files.size(f) > 1000, f + " is nearly empty");
        BufferedImage img = ImageIO.read(f.toFile());
        assertNotNull(img, f + " is not a PNG");
        assertEquals(ChartStyle.WIDTH, img.getWidth());
        assertEquals(ChartStyle.HEIGHT, img.getHeight());
    }

    /** Slices and stage times of a step. */
    private record Step(List<PipelineSlice> slices, List<StageTime> times) {
    }

    /**
     * A 1F1B step: forward {@code fwd} s, backward twice that (plus an equal recompute when asked), an exposed TP
     * all-reduce after each forward and an overlapped one inside each backward, a p2p send after each pass, a DP
     * reduction overlapping the last backward, then the optimizer.
     */
    private static Step oneFOneB(int p, int m, double fwd, boolean recompute) {
        double bwd = 2 * fwd;
        double rec = recompute ? fwd : 0;
        double tp = 0.15 * fwd;
        double send = 0.1 * fwd;
        double dp = 3 * fwd;
        double opt = 0.5 * fwd;
        double[][] fEnd = new double[p][m];
        double[][] bEnd = new double[p][m];
        for (double[] row : fEnd) {
            Arrays.fill(row, Double.NaN);
        }
        for (double[] row : bEnd) {
            Arrays.fill(row, Double.NaN);
        }
        List<List<int[]>> orders = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            List<int[]> order = new ArrayList<>();
            int warm = Math.min(p - 1 - s, m);
            for (int i = 0; i < warm; i++) {
                order.add(new int[] {0, i});
            }
            for (int i = 0; i < m - warm; i++) {
                order.add(new int[] {0, warm + i});
                order.add(new int[] {1, i});
            }
            for (int i = m - warm; i < m; i++) {
                order.add(new int[] {1, i});
            }
            orders.add(order);
        }
        List<PipelineSlice> slices = new ArrayList<>();
        double[] free = new double[p];
        double[] busy = new double[p];
        int[] next = new int[p];
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int s = 0; s < p; s++) {
                while (next[s] < orders.get(s).size()) {
                    int[] op = orders.get(s).get(next[s]);
                    int mb = op[1];
                    double dep;
                    if (op[0] == 0) {
                        dep = s == 0 ? 0 : fEnd[s - 1][mb] + send;
                    } else {
                        dep = s == p - 1 ? fEnd[s][mb] : bEnd[s + 1][mb] + send;
                    }
                    if (Double.isNaN(dep)) {
                        break;
                    }
                    double t = Math.max(free[s], dep);
                    if (op[0] == 0) {
                        slices.add(new PipelineSlice(s, SliceKind.FORWARD, mb, -1, t, t + fwd));
                        slices.add(new PipelineSlice(s, SliceKind.TP_COMM, mb, -1, t + fwd, t + fwd + tp));
                        fEnd[s][mb] = t + fwd + tp;
                        if (s < p - 1) {
                            slices.add(new PipelineSlice(s, SliceKind.PP_SEND, mb, -1, fEnd[s][mb], fEnd[s][mb] + send));
                        }
                        free[s] = fEnd[s][mb];
                        busy[s] += fwd;
                    } else {
                        if (recompute) {
                            slices.add(new PipelineSlice(s, SliceKind.RECOMPUTE, mb, -1, t, t + rec));
                        }
                        double b0 = t + rec;
                        slices.add(new PipelineSlice(s, SliceKind.BACKWARD, mb, -1, b0, b0 + bwd));
                        slices.add(new PipelineSlice(s, SliceKind.TP_COMM, mb, -1, b0 + 0.3 * bwd, b0 + 0.6 * bwd));
                        bEnd[s][mb] = b0 + bwd;
                        if (s > 0) {
                            slices.add(new PipelineSlice(s, SliceKind.PP_SEND, mb, -1, bEnd[s][mb], bEnd[s][mb] + send));
                        }
                        free[s] = bEnd[s][mb];
                        busy[s] += rec + bwd;
                    }
                    next[s]++;
                    progress = true;
                }
            }
        }
        double stepEnd = 0;
        for (int s = 0; s < p; s++) {
            double dpStart = free[s] - bwd;
            slices.add(new PipelineSlice(s, SliceKind.DP_COMM, -1, -1, dpStart, dpStart + dp));
            stepEnd = Math.max(stepEnd, dpStart + dp);
        }
        List<StageTime> times = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            slices.add(new PipelineSlice(s, SliceKind.OPTIMIZER, -1, -1, stepEnd, stepEnd + opt));
            double exposedTp = m * tp;
            double exposedDp = stepEnd - free[s];
            double p2p = (s == 0 ? 0 : send) * 2;
            double bubble = stepEnd - busy[s] - exposedTp - exposedDp - p2p;
            times.add(new StageTime(s, busy[s], exposedTp, exposedDp, Math.max(0, bubble), p2p, 0, opt));
        }
        return new Step(slices, times);
    }

    /** 1F1B memory: equal weights, gradients and optimizer state; stage s holds p − s micro-batches' activations. */
    private static List<StageMemory> memory(int p, double capacity) {
        List<StageMemory> out = new ArrayList<>();
        for (int s = 0; s < p; s++) {
            double act = (p - s) * (40.0 / p) * GIB;
            out.add(new StageMemory(s, "H100-SXM", 10 * GIB, 10 * GIB, 25 * GIB, act, capacity));
        }
        return out;
    }
}
