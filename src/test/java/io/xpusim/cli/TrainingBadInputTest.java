package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Impossible training plans are explained in the user's terms, at the offending key, with exit code 2 and
 * nothing written: each case replaces one line of a good scenario.
 */
class TrainingBadInputTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            schema: xpusim/v1
            name: bad-training
            kind: training
            seed: 1
            cluster:
              nodes: [ { template: dgx-a100, count: 2 } ]
              scale-out: { topology: fat-tree, nic: ib-hdr200 }
            model: llama-3-8b
            training:
              global-batch: 16
              micro-batch: 1
              sequence-length: 2048
              parallelism: { dp: 2, tp: 4, pp: 2 }
              schedule: 1f1b
              zero: 1
              recompute: selective
            outputs: { charts: false }
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // replace this line                       | with this one                                          | message contains              | at line
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 4, tp: 4, pp: 2 }                  | but the cluster has 16       | 13",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 1, tp: 16, pp: 1 }                 | does not divide the 8 KV     | 13",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 2, tp: 8, pp: 1, ep: 2 }           | needs a mixture-of-experts   | 13",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 8, tp: 1, pp: 2, virtual-stages: 3 }  | do not split evenly        | 13",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 2, tp: 4, pp: 2, virtual-stages: 2 } | no virtual stages          | 14",
        "global-batch: 16                          | global-batch: 15                                      | not a multiple of dp         | 10",
        "zero: 1                                   | zero: 2                                               | pipeline parallelism         | 15",
        "zero: 1                                   | zero: 4                                               | zero                         | 15",
        "recompute: selective                      | recompute: some                                       | did you mean 'none'          | 16",
        "model: llama-3-8b                         | model: llama-3-70b                                    | largest: optimizer states    | 13",
        "model: llama-3-8b                         | model: deepseek-v3                                    | latent attention (MLA)       | 8",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 4, tp: 4, pp: 1, ep: 2 }           | needs a mixture-of-experts   | 13",
    })
    void impossiblePlansAreExplained(String from, String to, String message, int line) throws IOException {
        String text = GOOD.replace(from.strip(), to.strip());
        assertFalse(text.equals(GOOD), "the case changed the scenario");
        expectError(text, message, line);
    }

    private void expectError(String text, String message, int line) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, text);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path results = dir.resolve("results");
        int code = Main.execute(new String[] {"run", f.toString(), "--results", results.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        String e = err.toString();
        assertEquals(2, code, e);
        assertTrue(e.startsWith(f + ":" + line + ":"), "points at line " + line + ": " + e);
        assertTrue(e.contains(message), "says '" + message + "': " + e);
        assertFalse(e.contains("Exception") || e.contains("\tat "), "no stack trace: " + e);
        assertFalse(Files.exists(results) && Files.list(results).findAny().isPresent(), "nothing written");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 16, tp: 1, pp: 1, ep: 3 }          | ep=3 does not divide dp=16   | 13",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 2, tp: 8, pp: 1, ep: 2 }           | with tensor or context       | 13",
        "parallelism: { dp: 2, tp: 4, pp: 2 }      | parallelism: { dp: 16, tp: 1, pp: 1, ep: 16 }         | ep=16 does not divide the 8  | 13",
    })
    void impossibleExpertParallelPlansAreExplained(String from, String to, String message, int line) throws IOException {
        String text = GOOD.replace(from.strip(), to.strip()).replace("model: llama-3-8b", "model: mixtral-8x7b");
        expectError(text, message, line);
    }
}
