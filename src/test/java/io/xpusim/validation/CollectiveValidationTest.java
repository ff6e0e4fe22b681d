package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.RunResult;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.metrics.CollectiveRecord;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * All-reduce bus bandwidth predicted vs measured (shared/reference/hardware.md §A3.4–A3.5). Target (issue 3):
 * within 15% at ≥ 64 MiB. Which points calibrated a parameter is stated per row: those are fit residuals,
 * not validation. The table goes to target/validation-collectives.md for the README.
 */
class CollectiveValidationTest {
    /** One measured point: the curve it belongs to, size in MiB, measured busbw (GB/s), and its role. */
    record Point(String scenario, String source, double mib, double measured, String role) {
    }

    private static final double MIB = 1024.0 * 1024;
    private static final List<Point> POINTS = new ArrayList<>();

    static {
        // Azure ND A100 v4, NCCL all-reduce busbw (sizes are nccl-tests' powers of two, labelled MB there);
        // the NVLink3 collective curve was fitted to all of these points
        double[][] a100 = {{1, 36.22}, {8, 89.99}, {32, 132.77}, {128, 174.18}, {512, 221.58}, {1024, 228.10}, {8192, 231.58}};
        for (double[] p : a100) {
            POINTS.add(new Point("nccl-allreduce-dgx-a100", "Azure ND A100 v4", p[0], p[1], "fit"));
        }
        // Azure ND H100 v5 (NVLS): the NVLink4 curve was fitted to 1–128 MiB and the in-switch rate to 8 GiB
        double[][] h100 = {{1, 43.70}, {8, 172.13}, {32, 295.53}, {128, 400.61}, {512, 438.46}, {1024, 466.35}, {8192, 478.87}};
        for (double[] p : h100) {
            POINTS.add(new Point("nccl-allreduce-dgx-h100", "Azure ND H100 v5", p[0], p[1], p[0] <= 128 || p[0] == 8192 ? "fit" : "held out"));
        }
        // Azure ND MI300X v5 (RCCL): the Infinity Fabric curve was fitted to all of these points
        double[][] mi300x = {{1, 22.41}, {8, 131.57}, {32, 230.35}, {128, 290.81}, {512, 308.89}, {1024, 313.92}, {8192, 316.82}};
        for (double[] p : mi300x) {
            POINTS.add(new Point("nccl-allreduce-mi300x", "Azure ND MI300X v5", p[0], p[1], "fit"));
        }
        // NVIDIA dgxc-benchmarking nccl sample, 8× H100 one node: independent of every fit
        double[][] dgxc = {{64, 361.7}, {512, 436.8}, {2048, 473.4}, {8192, 480.2}};
        for (double[] p : dgxc) {
            POINTS.add(new Point("nccl-allreduce-dgx-h100", "NVIDIA dgxc-benchmarking", p[0], p[1], p[0] == 8192 ? "fit" : "held out"));
        }
        // ml-engineering, AWS P6-B200, torch all_reduce benchmark; NVLink5's curve half-size S½ was fitted to the
        // 256 MiB point alone (p = 0.9 kept from NVLink4; arithmetic in hardware-profiles/links/nvlink5.yaml)
        double[][] b200one = {{1, 36.06}, {16, 254.96}, {64, 400.60}, {256, 646.11}, {1024, 723.34}, {4096, 740.64}, {16384, 845.67}};
        for (double[] p : b200one) {
            POINTS.add(new Point("allreduce-p6-b200-1node", "ml-engineering P6-B200 1 node", p[0], p[1], p[0] == 256 ? "fit" : "held out"));
        }
        // four nodes: a ring across nodes, alpha-beta on every link; AWS's tuner runs the Simple ring from 13.6 MB per
        // rank (435 MB at 32 ranks, taken from its region table, not fitted) and low-latency trees/LL128 below, at a
        // lower NIC rate. Three constants, one point each (arithmetic in hardware-profiles/links/efa-400g.yaml): EFA's
        // per-step α from 1 MiB, the low-latency regime's NIC efficiency from 256 MiB, the Simple ring's from 4 GiB
        double[][] b200four = {{1, 5.37}, {16, 64.43}, {64, 156.74}, {256, 229.09}, {1024, 361.99}, {4096, 377.34}, {16384, 381.80}};
        for (double[] p : b200four) {
            POINTS.add(new Point("allreduce-p6-b200-4nodes", "ml-engineering P6-B200 4 nodes", p[0], p[1],
                    p[0] == 1 || p[0] == 256 || p[0] == 4096 ? "fit" : "held out"));
        }
    }

    private static final List<double[]> RESULTS = new ArrayList<>(); // {predicted, error}

    @BeforeAll
    static void simulate() throws Exception {
        StringBuilder md = new StringBuilder("| curve | size | measured busbw GB/s | predicted | error | algorithm | role |\n"
                + "|---|---:|---:|---:|---:|---|---|\n");
        for (Point p : POINTS) {
            RunResult r = ScenarioRunner.simulate(ScenarioLoader.load(Path.of("scenarios/collective/" + p.scenario() + ".yaml"),
                    List.of("collective.sizes=[" + (long) p.mib() + "MiB]", "outputs.charts=false")), RunLimits.NONE, null);
            CollectiveRecord c = r.collectives().get(0);
            double predicted = c.busbwBytesPerSecond() / 1e9;
            double error = predicted / p.measured() - 1;
            RESULTS.add(new double[] {predicted, error});
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %+.0f%% | %s | %s |%n", p.source(),
                    p.mib() >= 1024 ? (long) (p.mib() / 1024) + " GiB" : (long) p.mib() + " MiB", p.measured(), predicted,
                    100 * error, c.algorithm(), p.role()));
        }
        Files.writeString(Path.of("target/validation-collectives.md"), md.toString());
    }

    private static double worst(String scenario, double minMib, double maxMib) {
        return worst(scenario, minMib, maxMib, true);
    }

    /** Largest |error| of the scenario's points in [minMib, maxMib]; fit residuals only if {@code withFit}. */
    private static double worst(String scenario, double minMib, double maxMib, boolean withFit) {
        double worst = 0;
        for (int i = 0; i < POINTS.size(); i++) {
            Point p = POINTS.get(i);
            if (p.scenario().equals(scenario) && p.mib() >= minMib && p.mib() <= maxMib && (withFit || !p.role().equals("fit"))) {
                worst = Math.max(worst, Math.abs(RESULTS.get(i)[1]));
            }
        }
        return worst;
    }

    @Test
    void intraNodeCurvesWithinFifteenPercentFrom64MiB() {
        assertTrue(worst("nccl-allreduce-dgx-a100", 64, 1e9) <= 0.15, "A100 " + worst("nccl-allreduce-dgx-a100", 64, 1e9));
        assertTrue(worst("nccl-allreduce-dgx-h100", 64, 1e9) <= 0.15, "H100 " + worst("nccl-allreduce-dgx-h100", 64, 1e9));
        assertTrue(worst("nccl-allreduce-mi300x", 64, 1e9) <= 0.15, "MI300X " + worst("nccl-allreduce-mi300x", 64, 1e9));
    }

    /** The target on every held-out point from 64 MiB, on every curve that has one (H100, B200 1 and 4 nodes). */
    @Test
    void everyHeldOutPointFrom64MiBWithinFifteenPercent() {
        for (String scenario : List.of("nccl-allreduce-dgx-h100", "allreduce-p6-b200-1node", "allreduce-p6-b200-4nodes")) {
            assertTrue(worst(scenario, 64, 1e9, false) <= 0.15, scenario + " " + worst(scenario, 64, 1e9, false));
        }
    }

    /**
     * Four nodes, every size: the two regimes of AWS's tuner (low-latency trees/LL128 below 435 MB at 32 ranks, the
     * Simple ring above) hold the held-out points to within 5% (16 MiB +3%, 64 MiB −2%, 1 GiB −1%, 16 GiB +0%) —
     * before, with one EFA curve over a hierarchical all-reduce, 64 MiB was −29% and 16 MiB −38%.
     */
    @Test
    void b200FourNodesHeldOutWithinFivePercentAtEverySize() {
        assertTrue(worst("allreduce-p6-b200-4nodes", 1, 1e9, false) <= 0.05, "4 nodes " + worst("allreduce-p6-b200-4nodes", 1, 1e9, false));
    }

    /** The three four-node points that set EFA's α (1 MiB), low-latency efficiency (256 MiB) and efficiency (4 GiB). */
    @Test
    void b200FourNodeFitPointsReproduced() {
        for (double mib : new double[] {1, 256, 4096}) {
            assertTrue(worst("allreduce-p6-b200-4nodes", mib, mib) <= 0.01, "4 nodes " + mib + " MiB " + worst("allreduce-p6-b200-4nodes", mib, mib));
        }
    }

    /**
     * Known gap, bounded: one node below 64 MiB (held out, outside the target) is predicted too slow (−36% at 1 MiB, −17% at
     * 16 MiB). The cause is NCCL's protocol choice: the measured one-node curve is two regimes, not one curve — up to
     * ~36 MB LL/LL128 (time ≈ 48 µs + S / 265 GB/s algbw), above it Simple (≈ 100 µs + S / 430 GB/s) — and NVLink5's
     * single curve, fitted at 256 MiB in the Simple regime, under-states the low-latency regime's bandwidth.
     */
    @Test
    void b200OneNodeSmallMessagesStayBounded() {
        assertTrue(worst("allreduce-p6-b200-1node", 1, 16, false) <= 0.40, "1 node small " + worst("allreduce-p6-b200-1node", 1, 16, false));
    }
}
