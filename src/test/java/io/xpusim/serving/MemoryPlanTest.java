package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.hardware.DeviceProfile;
import io.xpusim.model.ModelSpec;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import io.xpusim.units.Precision;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The split of a device's memory into weights, activation reserve and KV blocks, by hand. */
class MemoryPlanTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private static ServingConfig config(int tp) {
        return new ServingConfig(tp, new SchedulerConfig("vllm", 8192, 256, 16, 0.01), new RuntimeConfig(0, 0, 0, 0), 0.9,
                Precision.BF16, Precision.BF16, Precision.BF16, 8192, java.util.Map.of());
    }

    @Test
    void llama3With70bAtTp8OnH100() {
        ModelSpec m = LIB.model(ref("llama-3-70b"), "m").value();
        DeviceProfile h100 = LIB.node(ref("dgx-h100"), "n").value().device();
        MemoryPlan p = MemoryPlan.plan(m, h100, config(8));
        // activations: 8,192 tokens × (4·8192 + 8192/8 + 2·1·128 + 3·28672/8) × 2 B = 734,003,200 B
        // plus fp32 logits for 256 sampled rows: 256 × 128,256/8 × 4 B = 16,416,768 B
        assertEquals(750_419_968.0, p.activationReserveBytes(), 0.5);
        // KV block: 16 tokens × 2·80 layers·1 KV head·128·2 B = 655,360 B per rank
        assertEquals(655_360.0, p.kvBlockBytes(), 0.0);
        double usable = 81559.0 * 1024 * 1024 * 0.9;
        assertEquals(Math.floor((usable - p.weightBytes() - p.activationReserveBytes()) / 655_360.0), p.kvBlocks(), 0.0);
    }

    @Test
    void aModelThatDoesNotFitSaysWhy() {
        ModelSpec m = LIB.model(ref("llama-3-70b"), "m").value();
        DeviceProfile h100 = LIB.node(ref("dgx-h100"), "n").value().device();
        InfeasibleConfigurationException e = assertThrows(InfeasibleConfigurationException.class, () -> MemoryPlan.plan(m, h100, config(1)));
        assertTrue(e.getMessage().contains("llama-3-70b weights need 131.4 GiB per device at tp=1; h100-sxm has 79.6 GiB"),
                e.getMessage());
        assertTrue(e.hint().contains("strategy.offload: { weights: cpu }"), e.hint());
    }

    @Test
    void kvProjectionsAreReplicatedWhenRanksOutnumberKvHeads() {
        ModelSpec m = LIB.model(ref("llama-3-8b"), "m").value();
        // 8 KV heads at tp 16: each rank holds one whole KV head, so its K/V projections are 32 layers × 2 × 4096 × 128
        // parameters, not half a head's worth; the rest shards 16 ways, norms are replicated
        double kv = 32 * 2.0 * 4096 * 8 * 128;
        double norms = 32 * 2.0 * 4096 + 4096;
        double expected = ((8_030_261_248.0 - norms - kv) / 16 + norms + 32 * 2.0 * 4096 * 128) * 2;
        assertEquals(expected, m.weightBytesPerRank(16, Precision.BF16), 0.5);
        // at tp 8 (one head per rank either way) nothing changes: 8,030,261,248 parameters shard as before
        assertEquals(2_008_031_232.0, m.weightBytesPerRank(8, Precision.BF16), 0.5);
    }
}
