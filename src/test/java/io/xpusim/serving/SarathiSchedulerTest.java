package io.xpusim.serving;

import static io.xpusim.serving.Iterations.complete;
import static io.xpusim.serving.Iterations.request;
import static io.xpusim.serving.Iterations.schedule;
import static io.xpusim.serving.Iterations.state;
import static io.xpusim.serving.Iterations.step;
import static io.xpusim.serving.Iterations.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sarathi-Serve's chunked prefill with stall-free decodes, on hand-checkable cases (16-token blocks). */
class SarathiSchedulerTest {
    private final SarathiScheduler scheduler = new SarathiScheduler();

    /** Three requests decoding (prompts of 16 done, one token out each), then a 1,200-token prompt arrives. */
    private static List<ServingRequest> threeDecodingThenALongPrompt(BatchScheduler scheduler, SchedulerState s,
                                                                   ServingRequest longPrompt) {
        List<ServingRequest> decoding = List.of(request(0, 16, 100), request(1, 16, 100), request(2, 16, 100));
        s.waiting.addAll(decoding);
        assertEquals(3, step(scheduler, s).prefills.size());
        s.waiting.add(longPrompt);
        return decoding;
    }

    @Test
    void aLongPromptIsChunkedUnderTheBudgetAndNeverStallsDecodesWhereVllmStallsThem() {
        SchedulerState s = state("sarathi", 1000, 512, 256, 0);
        ServingRequest longPrompt = request(3, 1200, 10);
        List<ServingRequest> decoding = threeDecodingThenALongPrompt(scheduler, s, longPrompt);
        // 512 − 3 decodes = 509 per chunk: 509 + 509 + 182 = 1,200
        int[] chunks = {509, 509, 182};
        for (int chunk : chunks) {
            Batch b = step(scheduler, s);
            assertEquals(decoding, b.decodes, "every running decode is in every iteration");
            assertEquals(List.of(longPrompt), b.prefills);
            assertEquals(List.of(chunk), b.chunkTokens);
            assertTrue(tokens(b) <= 512);
        }
        assertEquals(1, longPrompt.generated, "the first token comes with the last chunk");
        assertEquals(4, schedule(scheduler, s).decodes.size());

        // vLLM v0 (whose budget must hold the whole prompt) runs it in one prompt-only iteration: the decodes stall
        SchedulerState v = state("vllm", 1000, 2048, 256, 0);
        ServingRequest longPromptV = request(3, 1200, 10);
        VllmScheduler vllm = new VllmScheduler();
        threeDecodingThenALongPrompt(vllm, v, longPromptV);
        Batch stalled = step(vllm, v);
        assertEquals(List.of(1200), stalled.chunkTokens);
        assertTrue(stalled.decodes.isEmpty(), "no decode runs in vLLM's prompt iteration");
        assertEquals(1, longPromptV.generated);
        assertEquals(4, schedule(vllm, v).decodes.size());
    }

    @Test
    void noIterationExceedsTheBudgetAndNoRunningDecodeIsLeftOutEvenUnderPreemption() {
        int budget = 64;
        SchedulerState s = state("sarathi", 64, budget, 256, 0.01); // 1,024 KV tokens: preemptions happen
        Random random = new Random(7);
        List<ServingRequest> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(request(i, 1 + random.nextInt(300), 1 + random.nextInt(60)));
        }
        s.waiting.addAll(all);
        int iterations = 0;
        while (!s.waiting.isEmpty() || !s.running.isEmpty()) {
            Batch b = schedule(scheduler, s);
            assertTrue(tokens(b) <= budget, "iteration " + iterations + " has " + tokens(b) + " tokens");
            assertTrue(s.running.size() <= budget, "running sequences never outnumber the budget");
            for (ServingRequest r : s.running) {
                assertEquals(r.prefillDone(), b.decodes.contains(r), "decoding ⇔ running with its prompt done");
            }
            for (ServingRequest r : b.prefills) {
                assertTrue(!r.prefillDone(), "chunks only for prompts not done");
            }
            assertTrue(!b.isEmpty() && ++iterations < 100_000, "no stall");
            complete(s, b);
        }
        assertTrue(s.preemptions > 0, "the case exercises preemption");
        assertEquals(0, s.kv.usedBlocks());
        assertTrue(all.stream().allMatch(ServingRequest::finished));
    }

    @Test
    void aDecodeNeedingABlockPreemptsTheNewestEvenMidPrompt() {
        SchedulerState s = state("sarathi", 6, 40, 256, 0);
        ServingRequest a = request(0, 32, 100);
        ServingRequest b = request(1, 64, 100);
        s.waiting.add(a);
        s.waiting.add(b);
        Batch first = step(scheduler, s); // a: 32 tokens (2 blocks), b: the 8 left (its whole prompt's 4 blocks)
        assertEquals(List.of(32, 8), first.chunkTokens);
        assertEquals(6, s.kv.usedBlocks());
        // a's context is now 33 tokens: a third block, none free: b, the newest, is preempted mid-prompt
        Batch second = schedule(scheduler, s);
        assertEquals(List.of(a), second.decodes);
        assertTrue(second.prefills.isEmpty(), "b's 4 blocks do not fit beside a's 3");
        assertEquals(1, b.preemptions);
        assertEquals(0, b.prefilled, "recompute: its 8 prefilled tokens are gone");
        assertSame(b, s.waiting.peek());
        assertEquals(3, s.kv.usedBlocks());
    }

    private static final String SCENARIO = """
            schema: xpusim/v1
            name: sarathi
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            strategy:
              parallelism: { tp: 1 }
              scheduler: { policy: sarathi, max-batched-tokens: 512 }
            outputs: { charts: false }
            """;

    @Test
    void aPromptLongerThanTheBudgetRunsInChunksWhileVllmRefusesSuchABudget(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), """
                {"timestamp": 0, "input_length": 3000, "output_length": 5}
                """);
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, SCENARIO);
        Scenario sarathi = ScenarioLoader.load(file, List.of());
        List<RequestRecord> rs = ScenarioRunner.simulate(sarathi, RunLimits.NONE, null).recorder().requests();
        assertTrue(rs.get(0).completed(), rs.toString());

        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load(file, List.of("strategy.scheduler.policy=vllm")));
        assertTrue(e.getMessage().contains("below max-model-len"), e.getMessage());
        e = assertThrows(ScenarioException.class,
                () -> ScenarioLoader.load(file, List.of("strategy.scheduler.kv-reserve=max")));
        assertTrue(e.getMessage().contains("static and orca"), e.getMessage());

        Files.writeString(file, SCENARIO.replace(", max-batched-tokens: 512", ""));
        assertEquals(2048, ScenarioLoader.load(file, List.of()).serving().scheduler().maxBatchedTokens(),
                "sarathi's default budget");
    }
}
