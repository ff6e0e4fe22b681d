package io.xpusim.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.hardware.ScaleOutTopology;
import io.xpusim.model.AttentionKernel;
import io.xpusim.model.ModelSpec;
import io.xpusim.model.Recompute;
import io.xpusim.scenario.Location;
import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.YamlNode;
import io.xpusim.units.Precision;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans that cannot run as the user meant are refused with the reason; the step plan's byte sizes. */
class StepPlannerTest {
    private static final ProfileLibrary LIB = ProfileLibrary.forScenario(Path.of("scenarios/quickstart.yaml"));

    private static YamlNode ref(String name) {
        return new YamlNode.Scalar(name, false, new Location("test", 1, 1));
    }

    private static NodeProfile node(String name) {
        return LIB.node(ref(name), "n").value();
    }

    private static final ModelSpec LLAMA_8B = LIB.model(ref("llama-3-8b"), "m").value();
    private static final ModelSpec GPT3 = LIB.model(ref("gpt3-175b"), "m").value();

    private static Cluster cluster(List<Cluster.NodeGroup> groups) {
        ScaleOutSpec net = new ScaleOutSpec(ScaleOutTopology.FAT_TREE, LIB.link(ref("ib-ndr400"), "l").value(), 8, 1, 32);
        return Cluster.build(groups, net);
    }

    private static TrainingSpec spec(ParallelPlan plan, AttentionKernel attention, Precision precision) {
        return new TrainingSpec(64, 1, 2048, precision, precision == Precision.FP16 ? Precision.FP16 : Precision.FP32, plan,
                plan.virtualStages() > 1 ? "interleaved" : "1f1b", 1, Recompute.SELECTIVE, attention, true, false,
                OffloadTarget.NONE, 1, 25 * (1 << 20), null, true, 1.0);
    }

    private static PlanException refused(ModelSpec m, Cluster c, ParallelPlan plan, AttentionKernel attention) {
        TrainingSpec s = spec(plan, attention, Precision.BF16);
        return assertThrows(PlanException.class, () -> StepPlanner.check(m, s, c, PipelineSchedules.byName(s.schedule())));
    }

    @Test
    void tensorParallelismStaysInsideANode() {
        Cluster two = cluster(List.of(new Cluster.NodeGroup(node("dgx-h100"), 2)));
        PlanException e = refused(GPT3, two, new ParallelPlan(1, 16, 1, 1, false, 1, 1), AttentionKernel.FUSED);
        assertTrue(e.getMessage().contains("spans more than one node"), e.getMessage());
    }

    @Test
    void dataParallelReplicasOfOneStageMustBeOfOneDeviceType() {
        Cluster mixed = cluster(List.of(new Cluster.NodeGroup(node("dgx-a100"), 1), new Cluster.NodeGroup(node("dgx-h100"), 1)));
        PlanException e = refused(LLAMA_8B, mixed, new ParallelPlan(2, 8, 1, 1, false, 1, 1), AttentionKernel.FUSED);
        assertTrue(e.getMessage().contains("mixes a100-80gb-sxm and h100-sxm"), e.getMessage());
        // one type per stage is fine: pipeline stage 0 on the A100 node, stage 1 on the H100 node
        TrainingSpec ok = spec(new ParallelPlan(1, 8, 2, 1, false, 1, 1), AttentionKernel.FUSED, Precision.BF16);
        StepPlanner.check(LLAMA_8B, ok, mixed, PipelineSchedules.byName("1f1b"));
    }

    @Test
    void contextParallelismNeedsFusedAttentionAndSequenceParallelismNeedsTp() {
        Cluster one = cluster(List.of(new Cluster.NodeGroup(node("dgx-h100"), 1)));
        assertEquals("attention", refused(LLAMA_8B, one, new ParallelPlan(1, 4, 1, 1, false, 2, 1),
                AttentionKernel.UNFUSED).field());
        assertTrue(refused(LLAMA_8B, one, new ParallelPlan(8, 1, 1, 1, true, 1, 1), AttentionKernel.FUSED)
                .getMessage().contains("tp=1"));
        assertTrue(refused(LLAMA_8B, one, new ParallelPlan(8, 1, 1, 2, false, 1, 1), AttentionKernel.FUSED)
                .getMessage().contains("needs pipeline parallelism"));
    }

    @Test
    void bytesFollowThePrecisions() {
        Cluster one = cluster(List.of(new Cluster.NodeGroup(node("dgx-h100"), 1)));
        ParallelPlan plan = new ParallelPlan(8, 1, 1, 1, false, 1, 1);
        StepPlan bf16 = StepPlanner.plan(one, LLAMA_8B, spec(plan, AttentionKernel.FUSED, Precision.BF16),
                PipelineSchedules.byName("1f1b"));
        StepPlan fp8 = StepPlanner.plan(one, LLAMA_8B, spec(plan, AttentionKernel.FUSED, Precision.FP8),
                PipelineSchedules.byName("1f1b"));
        StepPlan.Stage s = bf16.stages().get(0);
        // 16-bit weights, fp32 gradients (Megatron-LM under bf16): every parameter of the model on one stage
        double n = LLAMA_8B.parameterCount();
        assertEquals(2 * n, s.parameterBytes(), 1e-6 * n);
        assertEquals(4 * n, s.gradientBytes(), 1e-6 * n);
        // fp8 math keeps 16-bit activations and communication, and is faster
        StepPlan.Stage f = fp8.stages().get(0);
        assertEquals(s.tpBytes(), f.tpBytes(), 0);
        assertEquals(s.parameterBytes(), f.parameterBytes(), 0);
        assertTrue(f.forwardSeconds()[0] < s.forwardSeconds()[0]);
    }
}
