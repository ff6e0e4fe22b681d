package io.xpusim.serving;

import static io.xpusim.serving.Iterations.complete;
import static io.xpusim.serving.Iterations.request;
import static io.xpusim.serving.Iterations.schedule;
import static io.xpusim.serving.Iterations.state;
import static io.xpusim.serving.Iterations.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.experiment.RunLimits;
import io.xpusim.experiment.ScenarioRunner;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.workload.RequestSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FasterTransformer-style request-level batching on small hand-checkable cases (16-token blocks). */
class StaticSchedulerTest {
    private final StaticScheduler scheduler = new StaticScheduler();

    @Test
    void aBatchDecodesUntilItsLongestRequestFinishesWhileLateArrivalsWait() {
        SchedulerState s = state("static", 100, 1000, 256, 0);
        ServingRequest shortOne = request(0, 32, 2);
        ServingRequest longOne = request(1, 32, 5);
        s.waiting.add(shortOne);
        s.waiting.add(longOne);
        Batch prefill = step(scheduler, s);
        assertEquals(2, prefill.prefills.size(), "one iteration prefills the whole batch");
        // every member reserves the batch's longest prompt + longest output: 32 + 5 = 37 tokens = 3 blocks, × 2
        assertEquals(6, s.kv.usedBlocks());

        ServingRequest late = request(2, 16, 1);
        s.waiting.add(late);
        Batch first = step(scheduler, s);
        assertEquals(List.of(shortOne, longOne), first.decodes);
        assertTrue(shortOne.finished(), "2 tokens: one from the prefill, one from this decode");
        for (int i = 0; i < 3; i++) {
            Batch b = step(scheduler, s); // the long request's tokens 3, 4, 5
            assertEquals(List.of(longOne), b.decodes);
            assertEquals(1, b.idleSlots, "the finished request keeps its slot and its GEMM row");
            assertTrue(b.prefills.isEmpty(), "the late request waits for the whole batch");
            assertEquals(6, s.kv.usedBlocks(), "the batch's KV stays reserved until the batch ends");
            assertSame(late, s.waiting.peek());
        }
        assertTrue(longOne.finished());
        Batch next = schedule(scheduler, s);
        assertEquals(List.of(late), next.prefills, "the next batch forms only when the longest request is done");
        assertEquals(2, s.kv.usedBlocks(), "the old reservation is gone; the new batch reserves 16 + 1 = 17 tokens = 2 blocks");
    }

    @Test
    void formationStopsAtMaxSeqsThePromptBudgetAndThePaddedReservation() {
        SchedulerState seqs = state("static", 1000, 1000, 2, 0);
        SchedulerState tokens = state("static", 1000, 100, 256, 0);
        for (int i = 0; i < 3; i++) {
            seqs.waiting.add(request(i, 40, 4));
            tokens.waiting.add(request(i, 40, 4));
        }
        // a static scheduler keeps its batch: one instance per replica (state)
        assertEquals(2, schedule(new StaticScheduler(), seqs).prefills.size(), "max-seqs 2");
        assertEquals(2, schedule(new StaticScheduler(), tokens).prefills.size(), "40 + 40 + 40 > 100 prompt tokens");

        // 10 blocks. r0 alone: 16 + 16 = 32 tokens = 2 blocks. With r1 (48 + 16) every slot grows to 64 tokens
        // = 4 blocks: 2 × 4 = 8. r2 would make it 3 × 4 = 12 > 10, though by its own size (2 blocks) it would fit.
        SchedulerState kv = state("static", 10, 1000, 256, 0);
        kv.waiting.add(request(0, 16, 16));
        kv.waiting.add(request(1, 48, 16));
        kv.waiting.add(request(2, 16, 16));
        assertEquals(2, schedule(new StaticScheduler(), kv).prefills.size());
        assertEquals(8, kv.kv.usedBlocks());
    }

    @Test
    void theKvReserveVariantsDecideWhatCanEverRun() {
        KvCache kv = new KvCache(100, 16); // 1,600 tokens
        RequestSpec spec = new RequestSpec(0, 0, 100, 25, RequestSpec.NO_HASHES);
        SchedulerConfig oracle = new SchedulerConfig("static", 4096, 256, 16, 0.01, SchedulerConfig.KvReserve.ORACLE, 2048);
        SchedulerConfig pow2 = new SchedulerConfig("static", 4096, 256, 16, 0.01, SchedulerConfig.KvReserve.POW2, 2048);
        SchedulerConfig max = new SchedulerConfig("static", 4096, 256, 16, 0.01, SchedulerConfig.KvReserve.MAX, 2048);
        assertEquals(25, oracle.reservedOutputTokens(100, 25));
        assertEquals(32, pow2.reservedOutputTokens(100, 25), "the vLLM paper's example: 25 reserves 32");
        assertEquals(1948, max.reservedOutputTokens(100, 25), "up to max-model-len 2048");
        assertNull(scheduler.neverRuns(spec, kv, oracle));
        assertNull(scheduler.neverRuns(spec, kv, pow2));
        String reason = scheduler.neverRuns(spec, kv, max);
        assertTrue(reason.startsWith("larger than the whole KV cache: reserves 128 blocks"), reason);
    }

    private static final String SCENARIO = """
            schema: xpusim/v1
            name: static
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: llama-3-8b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            strategy:
              parallelism: { tp: 1 }
            outputs: { charts: false }
            """;

    private static List<RequestRecord> run(Path dir, String policy) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), """
                {"timestamp": 0, "input_length": 100, "output_length": 200}
                {"timestamp": 0, "input_length": 100, "output_length": 2}
                {"timestamp": 500, "input_length": 100, "output_length": 2}
                """);
        Files.writeString(dir.resolve("s.yaml"), SCENARIO);
        return ScenarioRunner.simulate(ScenarioLoader.load(dir.resolve("s.yaml"), List.of("strategy.scheduler.policy=" + policy)),
                RunLimits.NONE, null).recorder().requests().stream().sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
    }

    @Test
    void onAReplicaARequestArrivingMidBatchStartsAfterTheLongestFinishesWhereOrcaStartsItAtOnce(@TempDir Path dir)
            throws IOException {
        List<RequestRecord> fixed = run(dir, "static");
        assertTrue(fixed.get(2).firstTokenSeconds() >= fixed.get(0).finishSeconds(),
                "the 0.5 s arrival waits for the 200-token request: " + fixed);
        assertEquals(fixed.get(0).firstTokenSeconds(), fixed.get(1).firstTokenSeconds(), "one prefill for the batch");

        List<RequestRecord> orca = run(dir, "orca");
        assertTrue(orca.get(2).finishSeconds() < orca.get(0).finishSeconds(), "orca lets it join and leave: " + orca);
    }
}
