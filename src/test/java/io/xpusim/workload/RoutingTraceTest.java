package io.xpusim.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing histograms: read strictly, errors at line and column. */
class RoutingTraceTest {
    private static double[][] read(Path dir, String text) throws IOException {
        Path f = dir.resolve("r.csv");
        Files.writeString(f, text);
        return RoutingTrace.read(f, 4, 1, 3); // layers 1..3 are MoE, 3 experts
    }

    @Test
    void readsTokensPerLayerAndExpert(@TempDir Path dir) throws IOException {
        double[][] t = read(dir, "layer,expert,tokens\n1,0,5\n1,2,7\n# comment\n2,1,3\n3,0,1\n");
        assertEquals(5, t[0][0], 0);
        assertEquals(0, t[0][1], 0);
        assertEquals(7, t[0][2], 0);
        assertEquals(3, t[1][1], 0);
        assertEquals(1, t[2][0], 0);
    }

    private static RoutingTrace.FormatException bad(Path dir, String text) {
        return assertThrows(RoutingTrace.FormatException.class, () -> read(dir, text));
    }

    @Test
    void errorsSayWhere(@TempDir Path dir) {
        assertEquals(1, bad(dir, "layer,expert\n").line());
        RoutingTrace.FormatException dense = bad(dir, "layer,expert,tokens\n0,1,5\n");
        assertEquals(2, dense.line());
        assertTrue(dense.getMessage().contains("not a mixture-of-experts layer"), dense.getMessage());
        RoutingTrace.FormatException expert = bad(dir, "layer,expert,tokens\n1,3,5\n");
        assertEquals(3, expert.column());
        assertTrue(expert.getMessage().contains("0 to 2"), expert.getMessage());
        RoutingTrace.FormatException tokens = bad(dir, "layer,expert,tokens\n1,2,x\n");
        assertEquals(5, tokens.column());
        RoutingTrace.FormatException twice = bad(dir, "layer,expert,tokens\n1,2,1\n1,2,1\n");
        assertEquals(3, twice.line());
        assertTrue(twice.getMessage().contains("twice"));
        RoutingTrace.FormatException missing = bad(dir, "layer,expert,tokens\n1,0,1\n2,0,1\n");
        assertTrue(missing.getMessage().contains("layer 3 has no tokens"), missing.getMessage());
        assertTrue(bad(dir, "layer,expert,tokens\n1,0,-1\n").getMessage().contains("≥ 0"));
    }
}
