package io.xpusim.scenario;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.IterationSweep;
import io.xpusim.serving.ServingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Binds a {@code kind: iteration} scenario: the serving strategy (tp 1, one replica per node group) plus an
 * {@code iteration} block of prompt length and batch sizes; every node group is checked like a serving deployment.
 */
final class IterationLoader {
    static final int MAX_POINTS = 64;

    private IterationLoader() {
    }

    static Scenario bind(Fields f, String name, String description, long seed, Path file, List<Cluster.NodeGroup> groups,
                         ScaleOutSpec scaleOut, ModelSpec model) {
        Fields it = f.object("iteration");
        int prompt = it.intValue("prompt-tokens", 1, 1 << 20);
        List<YamlNode> items = it.list("batch-sizes");
        if (items.isEmpty() || items.size() > MAX_POINTS) {
            throw new ScenarioException(it.locationOf("batch-sizes"), "'iteration.batch-sizes' needs 1 to " + MAX_POINTS
                    + " batch sizes", "e.g. [1, 2, 4, 8, 16, 32, 64]");
        }
        List<Integer> batches = new ArrayList<>();
        for (YamlNode n : items) {
            int b = ScenarioLoader.listInt(n, it.qualified("batch-sizes"), 1, 1 << 16);
            if (!batches.isEmpty() && b <= batches.get(batches.size() - 1)) {
                throw new ScenarioException(n.location(), "'iteration.batch-sizes' must increase, but " + b + " follows "
                        + batches.get(batches.size() - 1), "list them from smallest to largest");
            }
            batches.add(b);
        }
        it.putResolved("batch-sizes", new ArrayList<Object>(batches));
        it.finish();
        if (prompt > model.maxContext()) {
            throw new ScenarioException(it.locationOf("prompt-tokens"), String.format(Locale.ROOT,
                    "prompts of %d tokens are longer than the %d-token context of %s", prompt, model.maxContext(),
                    model.name()), "use at most " + model.maxContext());
        }
        Fields s = f.optionalObject("strategy");
        ServingConfig serving = ScenarioLoader.strategy(s, model, file, seed, groups);
        if (serving.devicesPerReplica() != 1) {
            throw new ScenarioException(s.locationOf("parallelism"), "an iteration scenario times one device per node "
                    + "group, so " + (serving.tp() != 1 ? "tp must be 1, not " + serving.tp()
                    : "attention-dp must be 1, not " + serving.attentionDp()), "remove strategy.parallelism");
        }
        int largest = batches.get(batches.size() - 1);
        long tokens = (long) largest * prompt;
        if (tokens > serving.scheduler().maxBatchedTokens() || largest > serving.scheduler().maxSeqs()) {
            throw new ScenarioException(it.locationOf("batch-sizes"), String.format(Locale.ROOT,
                    "the largest batch, %d prompts of %d tokens, exceeds the scheduler's max-batched-tokens %d or max-seqs %d",
                    largest, prompt, serving.scheduler().maxBatchedTokens(), serving.scheduler().maxSeqs()),
                    "raise strategy.scheduler.max-batched-tokens / max-seqs, or use smaller batches");
        }
        s.finish();
        Fields o = f.optionalObject("outputs");
        OutputSpec outputs = new OutputSpec(1_000_000_000_000L, o.bool("charts", true));
        o.finish();
        f.finish();
        for (int g = 0; g < groups.size(); g++) {
            ScenarioLoader.checkCombination(f, s, List.of(new Cluster.NodeGroup(groups.get(g).profile(), 1)), model, serving,
                    1, s.locationOf("parallelism"), f.locationOf("cluster"), 1, "node group " + g);
        }
        return new Scenario(name, description, seed, file, ScenarioKind.ITERATION, groups, scaleOut, model, null, serving,
                1, "round-robin", Slo.NONE, null, null, outputs, f.resolved(), null, List.of(),
                new IterationSweep(prompt, batches));
    }
}
