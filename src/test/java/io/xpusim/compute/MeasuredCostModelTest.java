package io.xpusim.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xpusim.model.OpKind;
import io.xpusim.model.Operator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table-driven operator times: interpolation, clamping, proportional extrapolation, fallback. */
class MeasuredCostModelTest {
    private static final CostModel FALLBACK = op -> 42.0;

    private static Operator op(String name, double rows) {
        return new Operator(name, OpKind.GEMM, 1, 1, rows, 1);
    }

    // points given out of order on purpose: the model sorts them by rows
    private final MeasuredCostModel model = new MeasuredCostModel(
            Map.of("qkv-proj", new double[][] {{256, 70e-6}, {16, 10e-6}, {64, 22e-6}}), FALLBACK);

    @Test
    void interpolatesLinearlyBetweenPoints() {
        // rows 32 between (16, 10us) and (64, 22us): 10 + 12 · (32−16)/(64−16) = 10 + 12 · 1/3 = 14 us
        assertEquals(14e-6, model.seconds(op("qkv-proj", 32)), 1e-18);
        // rows 160 between (64, 22us) and (256, 70us): 22 + 48 · (160−64)/192 = 22 + 24 = 46 us
        assertEquals(46e-6, model.seconds(op("qkv-proj", 160)), 1e-18);
        // exactly on a point
        assertEquals(22e-6, model.seconds(op("qkv-proj", 64)), 0);
    }

    @Test
    void clampsBelowTheSmallestPoint() {
        assertEquals(10e-6, model.seconds(op("qkv-proj", 1)), 0);
        assertEquals(10e-6, model.seconds(op("qkv-proj", 16)), 0);
    }

    @Test
    void scalesProportionallyAboveTheLargestPoint() {
        // 512 rows = 2 × 256 → 2 × 70 us = 140 us
        assertEquals(140e-6, model.seconds(op("qkv-proj", 512)), 1e-18);
        assertEquals(70e-6, model.seconds(op("qkv-proj", 256)), 0);
    }

    @Test
    void unknownOperatorFallsBack() {
        assertEquals(42.0, model.seconds(op("down-proj", 32)), 0);
    }

    @Test
    void singlePointTable() {
        MeasuredCostModel one = new MeasuredCostModel(Map.of("x", new double[][] {{10, 5e-6}}), FALLBACK);
        assertEquals(5e-6, one.seconds(op("x", 3)), 0);       // clamped
        assertEquals(10e-6, one.seconds(op("x", 20)), 1e-18); // 5 us · 20/10
    }

    @Test
    void emptySamplesRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new MeasuredCostModel(Map.of("x", new double[0][]), FALLBACK));
    }

    @Test
    void readsCsvTable(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.csv");
        Files.writeString(f, "operator,rows,seconds\n# comment\nqkv-proj,16,1e-5\n\nqkv-proj,64,2.2e-5\nlm-head, 1 , 3e-4\n");
        Map<String, double[][]> t = MeasuredCostTable.read(f);
        assertEquals(2, t.size());
        assertEquals(2, t.get("qkv-proj").length);
        assertEquals(3e-4, t.get("lm-head")[0][1], 0);
        MeasuredCostModel m = new MeasuredCostModel(t, FALLBACK);
        // rows 40: 10 + 12 · 24/48 = 16 us
        assertEquals(16e-6, m.seconds(op("qkv-proj", 40)), 1e-18);
    }

    @Test
    void csvErrorsCarryTheLineNumber(@TempDir Path dir) throws IOException {
        Path header = dir.resolve("h.csv");
        Files.writeString(header, "op,rows,seconds\nx,1,1\n");
        assertEquals(1, assertThrows(MeasuredCostTable.FormatException.class, () -> MeasuredCostTable.read(header)).line());

        Path bad = dir.resolve("b.csv");
        // line 1 header, line 2 ok, line 3 blank, line 4 has a non-number
        Files.writeString(bad, "operator,rows,seconds\nx,1,1e-6\n\nx,two,1e-6\n");
        assertEquals(4, assertThrows(MeasuredCostTable.FormatException.class, () -> MeasuredCostTable.read(bad)).line());

        Path neg = dir.resolve("n.csv");
        Files.writeString(neg, "operator,rows,seconds\nx,1,-1e-6\n");
        assertEquals(2, assertThrows(MeasuredCostTable.FormatException.class, () -> MeasuredCostTable.read(neg)).line());

        Path fields = dir.resolve("f.csv");
        Files.writeString(fields, "operator,rows,seconds\nx,1\n");
        assertEquals(2, assertThrows(MeasuredCostTable.FormatException.class, () -> MeasuredCostTable.read(fields)).line());

        Path empty = dir.resolve("e.csv");
        Files.writeString(empty, "operator,rows,seconds\n");
        assertThrows(MeasuredCostTable.FormatException.class, () -> MeasuredCostTable.read(empty));
    }
}
