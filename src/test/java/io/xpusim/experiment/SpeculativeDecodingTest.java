package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.kernel.RandomStreams;
import io.xpusim.metrics.RequestRecord;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import io.xpusim.serving.Speculation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speculative decoding (strategy.speculative): llama-3.2-1b drafting for llama-3-8b on one H100 of a DGX H100, a draft
 * of k tokens verified by the target in one k + 1 token pass, acceptance i.i.d. per token.
 */
class SpeculativeDecodingTest {
    private static final String BASE = """
            schema: xpusim/v1
            name: spec
            seed: 7
            cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
            model: %s
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            outputs: { charts: false }
            strategy:
              parallelism: { tp: %d }
              scheduler: { policy: %s }
            """;

    private static Scenario load(Path dir, String model, int tp, String policy, String extra, String trace)
            throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), trace);
        Files.writeString(dir.resolve("s.yaml"), String.format(BASE, model, tp, policy) + extra);
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    private static String spec(String draft, int k, double alpha) {
        return String.format(java.util.Locale.ROOT, "  speculative: { draft: %s, tokens: %d, acceptance: %s }%n", draft, k,
                alpha);
    }

    /** Four requests, 200-token prompts, 300-token outputs, arriving together: decode-bound. */
    private static String trace(int outputs) {
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            t.append("{\"timestamp\": 0, \"input_length\": 200, \"output_length\": ").append(outputs + i)
                    .append(", \"hash_ids\": []}\n");
        }
        return t.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    private static double meanTpot(RunResult r) {
        return r.recorder().requests().stream().mapToDouble(RequestRecord::tpotSeconds).average().orElseThrow();
    }

    @Test
    void expectedTokensPerStepIsTheTruncatedGeometricMean() {
        // α = 0.5, k = 2: 1 + α + α² = 1.75 = (1 − α³)/(1 − α)
        assertEquals(1.75, new Speculation(null, 2, 0.5, 0).expectedTokensPerStep(), 1e-12);
        // α = 0.8, k = 4: 1 + .8 + .64 + .512 + .4096 = 3.3616
        assertEquals(3.3616, new Speculation(null, 4, 0.8, 0).expectedTokensPerStep(), 1e-12);
    }

    @Test
    void drawsMatchTheFormulaWithinFourStandardErrors() {
        for (double alpha : new double[] {0.1, 0.5, 0.8}) {
            int k = 4;
            Speculation s = new Speculation(null, k, alpha, 0);
            // exact distribution of accepted X: P(X=j) = α^j(1−α) for j < k, P(X=k) = α^k
            double mean = 0;
            double second = 0;
            for (int j = 0; j <= k; j++) {
                double p = j < k ? Math.pow(alpha, j) * (1 - alpha) : Math.pow(alpha, k);
                mean += p * j;
                second += p * j * j;
            }
            assertEquals(s.expectedTokensPerStep(), 1 + mean, 1e-12);
            double var = second - mean * mean;
            int n = 200_000;
            RandomGenerator rng = new RandomStreams(3).stream("test");
            long sum = 0;
            for (int i = 0; i < n; i++) {
                int a = s.drawAccepted(rng);
                assertTrue(a >= 0 && a <= k);
                sum += 1 + a;
            }
            double tol = 4 * Math.sqrt(var / n);
            assertEquals(s.expectedTokensPerStep(), sum / (double) n, tol, "α=" + alpha);
        }
    }

    @Test
    void goodDraftLowersTpotAndBadDraftRaisesItWithOutputsUnchanged(@TempDir Path dir) throws IOException {
        String trace = trace(300);
        RunResult base = ScenarioRunner.simulate(load(dir, "llama-3-8b", 1, "vllm", "", trace), RunLimits.NONE, null);
        RunResult good = ScenarioRunner.simulate(load(dir, "llama-3-8b", 1, "vllm", spec("llama-3.2-1b", 4, 0.8), trace),
                RunLimits.NONE, null);
        RunResult bad = ScenarioRunner.simulate(load(dir, "llama-3-8b", 1, "vllm", spec("llama-3.2-1b", 4, 0.1), trace),
                RunLimits.NONE, null);
        double t0 = meanTpot(base);
        double tGood = meanTpot(good);
        double tBad = meanTpot(bad);
        System.out.printf("llama-3-8b tp1 vllm TPOT: none %.3f ms, α=0.8 k=4 %.3f ms, α=0.1 k=4 %.3f ms; "
                        + "acceptance %.3f / %.3f, tokens/step %.3f / %.3f%n", t0 * 1e3, tGood * 1e3, tBad * 1e3,
                metrics(good).get("spec_decode_acceptance"), metrics(bad).get("spec_decode_acceptance"),
                metrics(good).get("spec_decode_tokens_per_step"), metrics(bad).get("spec_decode_tokens_per_step"));
        assertTrue(tGood < t0, "α=0.8 speeds decoding up: " + tGood + " vs " + t0);
        assertTrue(tBad > t0, "α=0.1 slows decoding down: " + tBad + " vs " + t0);
        assertNull(metrics(base).get("spec_decode_acceptance"));
        for (RunResult r : List.of(base, good, bad)) {
            assertEquals(4L, metrics(r).get("requests_completed"));
            assertEquals(4L * 300 + 6, metrics(r).get("output_tokens_completed"));
        }
        for (RunResult r : List.of(good, bad)) {
            // the run's invariants include every KV block (rejected drafts' too) being freed once drained
            long emitted = (Long) metrics(r).get("spec_decode_tokens_emitted");
            // the first token of each request comes from its prefill; every other one from a verification
            assertEquals(4L * 300 + 6 - 4, emitted, "never emits past a request's output length");
        }
    }

    @Test
    void acceptanceAndTokensPerStepMatchTheParameters(@TempDir Path dir) throws IOException {
        RunResult r = ScenarioRunner.simulate(load(dir, "llama-3-8b", 1, "sarathi", spec("llama-3.2-1b", 3, 0.6),
                trace(2000)), RunLimits.NONE, null);
        Map<String, Object> m = metrics(r);
        long verifications = (Long) m.get("spec_decode_verifications");
        // ~3,000 verifications: accepted/proposed within 4 binomial-ish standard errors (leading successes are
        // correlated within a step, so bound with the per-step variance of accepted ≤ k²/4)
        double se = Math.sqrt(9 / 4.0 / verifications) / 3;
        assertEquals(0.6 * (1 - Math.pow(0.6, 3)) / (1 - 0.6) / 3, (Double) m.get("spec_decode_acceptance"), 4 * se);
        // tokens per step: (1 − α^4)/(1 − α) = 2.176; per-step variance of accepted for α = 0.6, k = 3 is
        // E[X²] − E[X]² = 2.76 − 1.176² = 1.377; each request's last step may be truncated (< 3 tokens lost, 4 requests)
        double tol = 4 * Math.sqrt(1.377 / verifications) + 12.0 / verifications;
        assertEquals(2.176, (Double) m.get("spec_decode_tokens_per_step"), tol);
    }

    @Test
    void seventyBillionTargetAtTp8GainsFromASmallDraft(@TempDir Path dir) throws IOException {
        String trace = trace(200);
        double t0 = meanTpot(ScenarioRunner.simulate(load(dir, "llama-3-70b", 8, "vllm", "", trace), RunLimits.NONE,
                null));
        double t1 = meanTpot(ScenarioRunner.simulate(load(dir, "llama-3-70b", 8, "vllm", spec("llama-3.2-1b", 4, 0.8),
                trace), RunLimits.NONE, null));
        System.out.printf("llama-3-70b tp8 TPOT: none %.3f ms, α=0.8 k=4 %.3f ms%n", t0 * 1e3, t1 * 1e3);
        assertTrue(t1 < t0);
    }

    @Test
    void draftWeightsComeOffTheMemoryBudgetAndADraftTooBigIsRefused(@TempDir Path dir) throws IOException {
        String trace = trace(10);
        Scenario plain = load(dir, "llama-3-8b", 1, "vllm", "", trace);
        Scenario withDraft = load(dir, "llama-3-8b", 1, "vllm", spec("llama-3.2-1b", 4, 0.7), trace);
        var device = plain.nodes().get(0).profile().device();
        var p0 = io.xpusim.serving.MemoryPlan.plan(plain.model(), device, plain.serving());
        var p1 = io.xpusim.serving.MemoryPlan.plan(withDraft.model(), device, withDraft.serving());
        var draft = withDraft.serving().speculation().draft();
        assertEquals(draft.weightBytesPerRank(1, withDraft.serving().weights()), p1.weightBytes() - p0.weightBytes(), 1);
        assertEquals(16 * draft.kvBytesPerTokenPerRank(1, withDraft.serving().kvCache()),
                p1.kvBlockBytes() - p0.kvBlockBytes(), 1e-6);
        assertTrue(p1.kvBlocks() < p0.kvBlocks());
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> load(dir, "llama-3-8b", 1, "vllm", spec("llama-3-70b", 4, 0.7), trace));
        assertTrue(e.getMessage().contains("draft model llama-3-70b"), e.getMessage());
    }

    @Test
    void badParametersAreRefusedWhereTheyAreWritten(@TempDir Path dir) {
        String trace = trace(10);
        ScenarioException a = assertThrows(ScenarioException.class,
                () -> load(dir, "llama-3-8b", 1, "vllm", spec("llama-3.2-1b", 4, 1.0), trace));
        assertTrue(a.getMessage().contains("acceptance"), a.getMessage());
        ScenarioException k = assertThrows(ScenarioException.class,
                () -> load(dir, "llama-3-8b", 1, "vllm", spec("llama-3.2-1b", 17, 0.5), trace));
        assertTrue(k.getMessage().contains("tokens"), k.getMessage());
        ScenarioException p = assertThrows(ScenarioException.class,
                () -> load(dir, "llama-3-8b", 1, "orca", spec("llama-3.2-1b", 4, 0.5), trace));
        assertTrue(p.getMessage().contains("vllm or sarathi"), p.getMessage());
    }
}
