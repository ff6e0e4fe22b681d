package io.xpusim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Predicted vs measured prompt and per-token latency of Llama-2-70B on A100-80GB (Splitwise profile, 57
 * configurations). Five configurations calibrated runtime constants and are excluded from the scored
 * set: the three 128-token single prompts (prefill overhead, 20 ms) and TP8 512-token decode at batch 1 and
 * 32 (per-sequence overhead, 250 µs). Target (issue 2): median absolute error ≤ 15% on both quantities.
 * The table is written to target/validation-splitwise.md for the README.
 */
class SplitwiseValidationTest {
    private static List<SplitwiseHarness.Row> rows;

    @BeforeAll
    static void run() throws Exception {
        rows = SplitwiseHarness.run(List.of());
        Files.writeString(Path.of("target/validation-splitwise.md"), SplitwiseHarness.markdown(rows));
    }

    static boolean calibration(SplitwiseReference.Config c) {
        return c.promptTokens() == 128 && c.batch() == 1
                || c.tp() == 8 && c.promptTokens() == 512 && c.outputTokens() == 128 && (c.batch() == 1 || c.batch() == 32);
    }

    private static double medianAbs(Predicate<SplitwiseHarness.Row> which, ToDoubleFunction<SplitwiseHarness.Row> err) {
        return SplitwiseReference.medianOf(rows.stream().filter(r -> !calibration(r.config())).filter(which)
                .mapToDouble(err).map(Math::abs).toArray());
    }

    @Test
    void everyConfigurationWasSimulated() {
        assertEquals(57, rows.size());
        // every batch fits our memory plan (gpu-memory-utilization 0.95), so every row is predicted; the TP2
        // batch-64 measurement (794 ms, below batch 32's 6,633 ms) looks anomalous in the source but is kept
        assertEquals(57, rows.stream().filter(r -> !Double.isNaN(r.predictedPromptMs())).count());
    }

    @Test
    void medianErrorsMeetTheTarget() {
        double prompt = medianAbs(r -> !Double.isNaN(r.promptError()), SplitwiseHarness.Row::promptError);
        double token = medianAbs(r -> !Double.isNaN(r.tokenError()), SplitwiseHarness.Row::tokenError);
        assertTrue(prompt <= 0.15, String.format(Locale.ROOT, "median |prompt error| %.1f%% > 15%%", 100 * prompt));
        assertTrue(token <= 0.15, String.format(Locale.ROOT, "median |token error| %.1f%% > 15%%", 100 * token));
    }

    /**
     * Known gaps, bounded so they cannot silently grow: batched prompts (bs ≥ 2) are predicted about a third
     * too fast, and TP2 decode (device-bound) about a quarter too fast. See README "Validation".
     */
    @Test
    void knownGapsStayBounded() {
        double batched = medianAbs(r -> r.config().batch() >= 2 && !Double.isNaN(r.promptError()), SplitwiseHarness.Row::promptError);
        double tp2Token = medianAbs(r -> r.config().tp() == 2 && !Double.isNaN(r.tokenError()), SplitwiseHarness.Row::tokenError);
        assertTrue(batched <= 0.45, "batched-prompt median error " + batched);
        assertTrue(tp2Token <= 0.30, "TP2 token median error " + tp2Token);
    }
}
