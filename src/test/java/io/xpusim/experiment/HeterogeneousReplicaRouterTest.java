package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.cli.Main;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.ScenarioLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strategy.replica-groups on a cluster of one DGX H100 and one DGX A100: one H100 TP8 replica and two A100 TP4
 * replicas behind least-outstanding routing, each with its own device profile, memory plan and step costs.
 */
class HeterogeneousReplicaRouterTest {
    private static final String BASE = """
            schema: xpusim/v1
            name: hetero
            seed: 1
            cluster: { nodes: [ { template: dgx-h100, count: 1 }, { template: dgx-a100, count: 1 } ] }
            model: opt-13b
            workload: { kind: serving, trace: { format: mooncake-jsonl, file: t.jsonl } }
            outputs: { charts: false }
            strategy:
              router: least-outstanding
            """;
    private static final String GROUPS = "  replica-groups: [ { replicas: 1, tp: 8 }, { replicas: 2, tp: 4 } ]\n";

    private static Scenario load(Path dir, String strategy, String trace) throws IOException {
        Files.writeString(dir.resolve("t.jsonl"), trace);
        Files.writeString(dir.resolve("s.yaml"), BASE + strategy);
        return ScenarioLoader.load(dir.resolve("s.yaml"), List.of());
    }

    private static String trace(int n, int gapMs) {
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < n; i++) {
            t.append("{\"timestamp\": ").append(i * gapMs).append(", \"input_length\": 1000, \"output_length\": 20, "
                    + "\"hash_ids\": [").append(i).append("]}\n");
        }
        return t.toString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachReplicaRunsOnItsOwnDevicesAndTheFasterOneCompletesMore(@TempDir Path dir) throws IOException {
        Scenario s = load(dir, GROUPS, trace(3000, 2));
        assertEquals(3, s.replicas());
        RunResult r = ScenarioRunner.simulate(s, RunLimits.NONE, null);
        Map<String, Object> m = (Map<String, Object>) r.summary().get("metrics");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) m.get("per_replica");
        assertEquals(3, rows.size());
        String[] device = {"h100-sxm", "a100", "a100"};
        long[] tp = {8, 4, 4};
        long[] done = new long[3];
        for (int i = 0; i < 3; i++) {
            Map<String, Object> hw = (Map<String, Object>) rows.get(i).get("hardware");
            assertEquals("replica" + i, rows.get(i).get("name"));
            assertTrue(((String) hw.get("device")).toLowerCase().contains(device[i].substring(0, 4)),
                    "replica" + i + " runs on " + hw.get("device"));
            assertEquals(tp[i], hw.get("tp"));
            done[i] = (Long) rows.get(i).get("requests");
        }
        assertEquals(3000L, m.get("requests_completed"));
        System.out.printf("hetero per-replica completed: H100 TP8 %d, A100 TP4 %d, %d%n", done[0], done[1], done[2]);
        assertTrue(done[0] > done[1] && done[0] > done[2], "H100 TP8 completes more than each A100 TP4: "
                + java.util.Arrays.toString(done));
    }

    @Test
    void validateNamesEveryGroup(@TempDir Path dir) throws IOException {
        load(dir, GROUPS, trace(1, 1));
        StringWriter out = new StringWriter();
        int code = Main.execute(new String[] {"validate", dir.resolve("s.yaml").toString()},
                new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        assertEquals(0, code);
        assertTrue(out.toString().contains("ok — opt-13b on dgx-h100, replica groups 1 × tp8 + 2 × tp4"), out.toString());
    }

    @Test
    void aReplicaSpanningTwoDeviceTypesIsALocatedError(@TempDir Path dir) {
        // 3 × tp 2 take H100s 0-5; the first tp 4 replica (replica 3) then takes H100s 6-7 and A100s 0-1
        ScenarioException e = assertThrows(ScenarioException.class, () -> load(dir,
                "  replica-groups: [ { replicas: 3, tp: 2 }, { replicas: 2, tp: 4 } ]\n", trace(1, 1)));
        assertTrue(e.getMessage().contains("spans two device types"), e.getMessage());
        assertTrue(e.getMessage().contains("replica 3"), e.getMessage());
        assertTrue(e.userMessage().contains("s.yaml:"), e.userMessage());
    }

    @Test
    void groupsNeedingMoreDevicesThanTheClusterHasIsALocatedError(@TempDir Path dir) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load(dir,
                "  replica-groups: [ { replicas: 2, tp: 8 }, { replicas: 1, tp: 4 } ]\n", trace(1, 1)));
        assertTrue(e.getMessage().contains("need 20 devices but the cluster has 16"), e.getMessage());
        // 2^20 × 1024 × 4 = 2^32 devices: counted in long, not wrapped round to 0 (which passed and then crashed)
        ScenarioException huge = assertThrows(ScenarioException.class, () -> load(dir,
                "  replica-groups: [ { replicas: 1048576, tp: 1024, pp: 4 } ]\n", trace(1, 1)));
        assertTrue(huge.getMessage().contains("need 4294967296 devices but the cluster has 16"), huge.getMessage());
    }

    @Test
    void replicasOrTpTogetherWithGroupsIsALocatedError(@TempDir Path dir) {
        ScenarioException a = assertThrows(ScenarioException.class, () -> load(dir, GROUPS + "  replicas: 3\n",
                trace(1, 1)));
        assertTrue(a.getMessage().contains("mutually exclusive"), a.getMessage());
        ScenarioException b = assertThrows(ScenarioException.class, () -> load(dir,
                GROUPS + "  parallelism: { tp: 4 }\n", trace(1, 1)));
        assertTrue(b.getMessage().contains("parallelism.tp"), b.getMessage());
    }

    @Test
    void mixedDeviceTypesWithoutGroupsAreStillRefused(@TempDir Path dir) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load(dir,
                "  replicas: 2\n  parallelism: { tp: 8 }\n", trace(1, 1)));
        assertTrue(e.getMessage().contains("mixed device types"), e.getMessage());
    }
}
