package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prefix caching end to end: a repeated Mooncake prompt is served faster and the summary reports the hit rate. */
class PrefixCachingScenarioTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: prefix
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            strategy:
              parallelism: { tp: 1 }
              scheduler: { policy: %s, prefix-caching: %s }
            outputs: { charts: false }
            """;

    // 4,100 tokens: 8 whole 512-token hash blocks (4,096 tokens) and a 4-token tail; the second arrives long after
    private static final String TRACE = """
            {"timestamp": 0, "input_length": 4100, "output_length": 4, "hash_ids": [1, 2, 3, 4, 5, 6, 7, 8, 9]}
            {"timestamp": 10000, "input_length": 4100, "output_length": 4, "hash_ids": [1, 2, 3, 4, 5, 6, 7, 8, 10]}
            """;

    private static RunResult run(Path dir, String policy, boolean caching) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), TRACE);
        Files.writeString(dir.resolve("s.yaml"), SCENARIO.formatted(policy, caching));
        return ScenarioRunner.simulate(ScenarioLoader.load(dir.resolve("s.yaml"), List.of()), RunLimits.NONE, null);
    }

    private static List<RequestRecord> byId(RunResult r) {
        return r.recorder().requests().stream().sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
    }

    @Test
    void theSecondIdenticalPromptHitsItsWholeBlocksAndGetsItsFirstTokenSooner(@TempDir Path dir) throws IOException {
        for (String policy : List.of("vllm", "sarathi")) {
            List<RequestRecord> on = byId(run(dir, policy, true));
            List<RequestRecord> off = byId(run(dir, policy, false));
            assertEquals(off.get(0).ttftSeconds(), on.get(0).ttftSeconds(), 1e-12, policy + ": a cold cache changes nothing");
            assertEquals(off.get(0).ttftSeconds(), off.get(1).ttftSeconds(), 1e-12, policy + ": no reuse without caching");
            assertTrue(on.get(1).ttftSeconds() < 0.5 * off.get(1).ttftSeconds(), policy + ": 4 of 4,100 tokens computed: "
                    + on.get(1).ttftSeconds() + " vs " + off.get(1).ttftSeconds());
        }
    }

    @Test
    void theSummaryReportsHitRateAndSavedTokensOnlyWhenEnabled(@TempDir Path dir) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> on = (Map<String, Object>) run(dir, "vllm", true).summary().get("metrics");
        assertEquals(4096L, on.get("prefix_cache_saved_tokens"));
        assertEquals(4096 / 8200.0, (Double) on.get("prefix_cache_hit_rate"), 1e-12);
        @SuppressWarnings("unchecked")
        Map<String, Object> off = (Map<String, Object>) run(dir, "vllm", false).summary().get("metrics");
        assertFalse(off.containsKey("prefix_cache_hit_rate"));
    }

    @Test
    void requestLevelPoliciesRejectPrefixCaching(@TempDir Path dir) throws IOException {
        ScenarioException e = assertThrows(ScenarioException.class, () -> run(dir, "orca", true));
        assertTrue(e.getMessage().contains("paged policies"), e.getMessage());
    }
}
