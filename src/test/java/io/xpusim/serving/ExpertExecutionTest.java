package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.kernel.RandomStreams;
import io.xpusim.metrics.ExpertLoad;
import io.xpusim.model.ExpertPlacement;
import io.xpusim.model.ExpertPlacements;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import io.xpusim.units.Precision;
import io.xpusim.workload.ExpertRouting;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mixtral 8x7B with expert parallelism over a DGX H100 (EP8, one expert per GPU), checked by hand. */
class ExpertExecutionTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private final ModelSpec mixtral = LIB.model(ref("mixtral-8x7b"), "m").value();
    private final NodeProfile dgx = LIB.node(ref("dgx-h100"), "n").value();
    private final Cluster cluster = Cluster.build(List.of(new Cluster.NodeGroup(dgx, 1)));
    private final ForwardPass pass = new ForwardPass(mixtral, 1, Precision.BF16, Precision.BF16, Precision.BF16);
    private final RooflineCostModel roofline = new RooflineCostModel(dgx.device(), Precision.BF16);

    private ExpertExecution ep8(double skew, String placement) {
        ExpertRouting routing = ExpertRouting.synthetic(mixtral.moeLayers(), 8, 2, skew, 1.0,
                new RandomStreams(3).stream("routing/popularity"));
        ExpertPlacement p = ExpertPlacements.create(placement).place(routing.expectedLoad(), 8, 0);
        double h = mixtral.hiddenSize();
        return new ExpertExecution(pass, roofline, routing, p, 1, false, 2 * h, 2 * h,
                new RandomStreams(3).stream("routing/r0"), cluster, cluster.devices(), new ExpertLoad(8, 8));
    }

    @Test
    void balancedRoutingSendsEqualBytesToEveryPair() {
        ExpertExecution e = ep8(0, "round-robin");
        ExpertExecution.Step s = e.step(65_536);
        // 65,536 tokens × top-2 = 131,072 assignments per layer, 16,384 per GPU; each GPU holds 1/8 of the tokens, so
        // it sends 16,384 / 8 = 2,048 token copies to each other GPU per layer (binomial noise aside):
        // 2,048 × 4096 × 2 B × 32 layers = 536,870,912 B per pair
        double expected = 2048.0 * 4096 * 2 * 32;
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                if (i != j) {
                    assertEquals(expected, s.dispatch[i][j], 0.02 * expected);
                    assertEquals(s.dispatch[i][j], s.combine[j][i], 1e-6); // combine returns the same copies
                }
            }
            assertEquals(0, s.dispatch[i][i], 0);
        }
    }

    @Test
    void skewRaisesTheSlowestRankByTheImbalance() {
        // compute-bound: 65,536 tokens give ~16k rows per expert, where the GEMM efficiency rows/(rows + 148) is flat,
        // so each rank's time is proportional to its tokens and the slowest rank's time to max tokens per rank
        ExpertExecution even = ep8(0, "round-robin");
        ExpertExecution hot = ep8(1.0, "round-robin");
        ExpertExecution.Step a = even.step(65_536);
        double balanced = a.criticalSeconds;
        ExpertExecution.Step b = hot.step(65_536);
        double skewed = b.criticalSeconds;
        // Zipf 1 over 8 experts, top-2: the hottest expert's share is 2 / H_8 = 2 / 2.7179 = 0.7359 of the tokens,
        // against 2/8 = 0.25 on average: imbalance 2.944 (same hot expert in every layer: locality 1)
        double imbalance = (2 / 2.717857142857143) / 0.25;
        assertEquals(imbalance, hot.load().rankImbalance(), 0.02 * imbalance);
        assertEquals(imbalance * balanced, skewed, 0.03 * imbalance * balanced);
        // the same hot rank in every layer: nothing is lost between layers
        assertEquals(0, b.computeExcessSeconds, 1e-9 * skewed);
        // and its incoming bytes (the busiest NVLink ingress) grow by the same factor
        double inHot = 0;
        double inEven = 0;
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                inHot = Math.max(inHot, i == j ? 0 : b.dispatch[i][j]);
                inEven = Math.max(inEven, i == j ? 0 : a.dispatch[i][j]);
            }
        }
        assertEquals(imbalance, inHot / inEven, 0.05 * imbalance);
    }

    @Test
    void balancedPlacementRemovesMostOfTheSkew() {
        // with 8 experts on 8 ranks placement cannot split the hottest expert; replicate-hot can (EP8 with 8
        // redundant slots: 2 per rank); its slowest rank does less than round-robin's
        ExpertRouting routing = ExpertRouting.synthetic(mixtral.moeLayers(), 8, 2, 1.0, 1.0,
                new RandomStreams(3).stream("routing/popularity"));
        ExpertPlacement p = ExpertPlacements.create("replicate-hot").place(routing.expectedLoad(), 8, 8);
        double h = mixtral.hiddenSize();
        ExpertExecution replicated = new ExpertExecution(pass, roofline, routing, p, 1, false, 2 * h, 2 * h,
                new RandomStreams(3).stream("routing/r0"), cluster, cluster.devices(), new ExpertLoad(8, 8));
        double rr = ep8(1.0, "round-robin").step(65_536).criticalSeconds;
        double rh = replicated.step(65_536).criticalSeconds;
        assertTrue(rh < 0.75 * rr, rh + " vs " + rr);
        assertTrue(replicated.load().rankImbalance() < 1.5, "rank imbalance " + replicated.load().rankImbalance());
    }
}
