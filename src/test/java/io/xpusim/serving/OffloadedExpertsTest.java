package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.collective.TierTransfers;
import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.kernel.RandomStreams;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.ExpertLoad;
import io.xpusim.model.ExpertPlacements;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import io.xpusim.units.Precision;
import io.xpusim.workload.ExpertRouting;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fiddler's choice for a missed Mixtral expert on the V100 workstation (PCIe Gen3, a Skylake socket computing in
 * fp32): the host CPU computes it exactly when that is cheaper than moving it, which holds for few tokens (the CPU
 * streams the expert from DRAM far faster than PCIe moves it) and fails for many (the CPU's 4 TFLOP/s cannot keep up).
 */
class OffloadedExpertsTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private final ModelSpec mixtral = LIB.model(ref("mixtral-8x7b"), "m").value();
    private final NodeProfile node = LIB.node(ref("v100-workstation"), "n").value();

    private OffloadedExperts experts(boolean cpuCompute) {
        Cluster cluster = Cluster.build(List.of(new Cluster.NodeGroup(node, 1)));
        Simulation sim = new Simulation();
        FairShareSolver solver = new FairShareSolver(sim);
        ForwardPass pass = new ForwardPass(mixtral, 1, Precision.FP16, Precision.FP16, Precision.FP16);
        RooflineCostModel gpu = new RooflineCostModel(node.device(), Precision.FP16);
        RooflineCostModel cpu = new RooflineCostModel(node.cpu(), Precision.FP32);
        ExpertRouting routing = ExpertRouting.synthetic(mixtral.moeLayers(), 8, 2, 0, 0,
                new RandomStreams(1).stream("routing/popularity"));
        ExpertExecution ex = new ExpertExecution(pass, gpu, routing, ExpertPlacements.create("round-robin")
                .place(routing.expectedLoad(), 1, 0), 1, false, 0, 0, new RandomStreams(1).stream("routing/r"), cluster,
                cluster.devices().subList(0, 1), new ExpertLoad(8, 1));
        ExpertOffload o = new ExpertOffload("cpu", "lru", 0, -1, -1, null, cpuCompute);
        return new OffloadedExperts(sim, solver, new TierTransfers(sim, solver, cluster), cluster, cluster.devices(), o,
                mixtral, Precision.FP16, ex, gpu, pass, cpu, pass, routing.expectedLoad(),
                new RandomStreams(1).stream("expert-prefetch/r"));
    }

    @Test
    void theCpuComputesAMissExactlyWhenThatCostsLess() {
        OffloadedExperts e = experts(true);
        double bytes = 3.0 * 4096 * 14336 * 2;
        // moving it: 352,321,536 B over PCIe Gen3 x16 at 15.75 GB/s × 0.83, plus 2 µs + 90 ns, plus its GEMMs on the V100
        double move = bytes / (15.75e9 * 0.83) + 2.09e-6;
        assertTrue(e.gpuPathSeconds(1) > move && e.gpuPathSeconds(1) < move + 1e-3, "" + e.gpuPathSeconds(1));
        // computing it on the CPU at one token, on the roofline: the expert streams from DDR4 at 128 GB/s × 0.78 =
        // 3.53 ms, but its 352 MFLOP at fp32 and one row run at 4.147 TFLOP/s × 0.7 × 1/(1 + 32) = 88 GFLOP/s = 4.01 ms
        double stream = bytes / (128e9 * 0.78);
        double math = 2 * 3.0 * 4096 * 14336 / (4.147e12 * 0.7 / 33);
        assertEquals(Math.max(stream, math), e.cpuPathSeconds(1), 1e-5);
        boolean sawCpu = false;
        boolean sawGpu = false;
        for (double rows : new double[] {1, 4, 16, 64, 256, 1024, 4096, 16384}) {
            boolean cheaper = e.cpuPathSeconds(rows) < e.gpuPathSeconds(rows);
            assertEquals(cheaper, e.onCpu(rows), "rows " + rows);
            sawCpu |= cheaper;
            sawGpu |= !cheaper;
        }
        assertTrue(sawCpu && sawGpu, "both paths win somewhere");
        assertTrue(e.onCpu(1));
        assertFalse(e.onCpu(16384));
        // without cpu-compute every miss moves, whatever the costs
        OffloadedExperts off = experts(false);
        assertFalse(off.onCpu(1));
    }
}
