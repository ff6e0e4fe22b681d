package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.compute.RooflineCostModel;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.ModelSpec;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import io.xpusim.units.Precision;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Host launch cost of an iteration on a given CPU, eager, fused and with CUDA graphs, by hand. */
class HostLaunchCostsTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private static StepCostModel model(String node, boolean graphs, boolean fusion) {
        ModelSpec m = LIB.model(ref("llama-3-8b"), "m").value();
        var n = LIB.node(ref(node), "n").value();
        RuntimeConfig rt = new RuntimeConfig(40_000_000L, 1_000_000_000L, 250_000_000L, 20_000_000_000L, graphs, fusion);
        DeviceProfile gpu = n.device();
        return new StepCostModel(new ForwardPass(m, 1, Precision.BF16, Precision.BF16, Precision.BF16),
                new RooflineCostModel(gpu, Precision.BF16), HostLaunchCosts.of(n.cpu(), rt));
    }

    @Test
    void eagerFusedAndGraphedLaunchCosts() {
        // Llama-3-8B: 32 layers × 10 kernels + embedding, final norm, LM head, sampling = 324 kernels
        BatchShape decode = BatchShape.decode(8, 1000);
        // dgx-a100's EPYC 7742 is the reference core: 5 µs launch + 40 µs framework per kernel
        assertEquals(324 * 45e-6, model("dgx-a100", false, false).cost(decode).hostSeconds(), 1e-12);
        // dgx-h100's Xeon 8480+ at single-thread speed 1.56: 5 + 40 / 1.56 µs per kernel
        assertEquals(324 * (5 + 40 / 1.56) * 1e-6, model("dgx-h100", false, false).cost(decode).hostSeconds(), 1e-12);
        // fused: per layer QKV, attention, O, gate-up, down; embedding, LM head (final norm fused), sampling
        StepCost fused = model("dgx-a100", false, true).cost(decode);
        assertEquals(32 * 5 + 3, fused.kernels());
        assertEquals(163 * 45e-6, fused.hostSeconds(), 1e-12);
        // CUDA graphs: a decode-only iteration is one graph launch — the CPU's 5 µs, no framework time per kernel
        assertEquals(5e-6, model("dgx-a100", true, false).cost(decode).hostSeconds(), 1e-12);
        // prompts run eagerly (vLLM captures decode batches only)
        assertEquals(324 * 45e-6, model("dgx-a100", true, false).cost(BatchShape.prefill(1, 100)).hostSeconds(), 1e-12);
        // serial overheads scale with the core too: 20 ms on the reference core is 20 / 1.56 ms on the 8480+
        assertEquals(0.02 / 1.56, model("dgx-h100", false, false).host().serialSeconds(20_000_000_000L), 1e-15);
    }
}
