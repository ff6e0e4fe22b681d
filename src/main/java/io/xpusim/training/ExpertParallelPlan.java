package io.xpusim.training;

import io.xpusim.hardware.Device;
import io.xpusim.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Expert parallelism in training, as Megatron-Core lays it out with expert tensor parallelism equal to tp (here tp =
 * 1): the ep ranks of an expert-parallel group are ep consecutive data-parallel ranks of one pipeline stage (so EP8 on
 * 8-GPU nodes stays inside a node), each holding experts/ep of every MoE layer's routed experts, and tokens reach
 * their experts by all-to-all inside the group. The expert-data-parallel group of EP rank j is every data-parallel rank
 * d with d mod ep = j (dp / ep ranks): they hold the same experts and reduce those experts' gradients; everything else
 * reduces over the whole data-parallel group as without EP.
 */
final class ExpertParallelPlan {
    private ExpertParallelPlan() {
    }

    /** What expert parallelism needs of the model and plan; throws {@link PlanException} at the offending key. */
    static void check(ModelSpec model, TrainingSpec spec) {
        ParallelPlan p = spec.plan();
        if (!model.isMoe()) {
            throw new PlanException("parallelism", "ep=" + p.ep() + " needs a mixture-of-experts model; "
                    + model.name() + " is dense", "set ep: 1");
        }
        if (p.dp() % p.ep() != 0) {
            throw new PlanException("parallelism", String.format(Locale.ROOT, "ep=%d does not divide dp=%d: expert-parallel "
                    + "groups are made of data-parallel ranks", p.ep(), p.dp()), "use an ep dividing " + p.dp());
        }
        if (model.moe().experts() % p.ep() != 0) {
            throw new PlanException("parallelism", String.format(Locale.ROOT, "ep=%d does not divide the %d experts of %s",
                    p.ep(), model.moe().experts(), model.name()), "use an ep dividing " + model.moe().experts());
        }
        if (p.tp() > 1 || p.cp() > 1) {
            throw new PlanException("parallelism", "expert parallelism with tensor or context parallelism is not modelled",
                    "use tp: 1 and cp: 1 with ep (Megatron-Core's Mixtral 8x7B recipe is TP1·PP4·EP8)");
        }
        if (spec.zeroStage() > 1) {
            throw new PlanException("zero", "ZeRO-" + spec.zeroStage() + " with expert parallelism is not modelled",
                    "use zero: 1 (the distributed optimizer) or 0");
        }
        if (spec.optimizerOffload() != OffloadTarget.NONE) {
            throw new PlanException("offload", "optimizer offload with expert parallelism is not modelled",
                    "remove offload, or use ep: 1");
        }
    }

    /** The simulated replica's (data-parallel rank 0's) expert-parallel group on stage {@code s}; empty for ep = 1. */
    static List<Device> expertGroup(List<Device> all, ParallelPlan p, int s) {
        if (p.ep() == 1) {
            return List.of();
        }
        List<Device> g = new ArrayList<>();
        for (int d = 0; d < p.ep(); d++) {
            g.add(all.get(p.rank(s, d, 0, 0)));
        }
        return List.copyOf(g);
    }

    /** The ep expert-data-parallel groups of stage {@code s} (rank j: data-parallel ranks j, j+ep, …); empty for ep = 1. */
    static List<List<Device>> expertDataGroups(List<Device> all, ParallelPlan p, int s) {
        if (p.ep() == 1) {
            return List.of();
        }
        List<List<Device>> groups = new ArrayList<>();
        for (int j = 0; j < p.ep(); j++) {
            List<Device> g = new ArrayList<>();
            for (int d = j; d < p.dp(); d += p.ep()) {
                g.add(all.get(p.rank(s, d, 0, 0)));
            }
            groups.add(List.copyOf(g));
        }
        return List.copyOf(groups);
    }
}
