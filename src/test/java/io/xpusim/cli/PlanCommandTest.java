package io.xpusim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.report.HtmlChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xpusim plan} on a small plan over the quickstart (Llama-3-8B, 20 simulated seconds per probe): pruning
 * before simulation, costs from the profiles, the linear estimate against the full simulation, resuming and
 * sharding, and the errors it reports.
 */
class PlanCommandTest {
    @TempDir
    Path dir;

    private Path plan(String extra) throws IOException {
        Path f = dir.resolve("plan.yaml");
        Files.writeString(f, """
                base: %s
                plan:
                  target-load: 15/s
                  hardware: [ { node: dgx-h100, max-nodes: 1 }, dgx-a100 ]
                  tp: [1, 2, 3]
                  disaggregation: [[1, 1]]
                  max-devices: 8
                  verify: 2
                %s""".formatted(Path.of("scenarios/quickstart.yaml").toAbsolutePath(), extra));
        return f;
    }

    private static SweepCommandTest.Outcome plan(Path file, String out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("plan", file.toString(), "--set", "workload.duration=20s",
                "--out", out, "-q"));
        args.addAll(List.of(more));
        return SweepCommandTest.run(args.toArray(String[]::new));
    }

    @Test
    void findsTheCheapestConfigurationThatMeetsTheTargetAndVerifiesIt() throws Exception {
        Path f = plan("");
        SweepCommandTest.Outcome o = plan(f, dir.resolve("a").toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("configurations explored") && o.out().contains("target 15/s"), o.out());
        JsonNode j = new ObjectMapper().readTree(dir.resolve("a/plan.json").toFile());
        assertEquals(12, j.get("units").asInt(), "2 node types × 3 tp × (1 colocated + 1 split)");
        assertEquals(4, j.get("units_pruned").asInt(), "tp=3 does not divide 32 heads: pruned before simulating");
        for (JsonNode u : j.get("unit_results")) {
            if (u.get("configuration").asText().contains("tp3")) {
                assertTrue(u.get("pruned").asText().contains("tp=3 does not divide the 32 attention heads"), u.toString());
                assertTrue(u.get("goodput_requests_per_s").isNull());
            }
        }
        assertTrue(j.get("configurations_explored").asLong() >= 12);
        JsonNode best = j.get("top").get(0);
        assertEquals("verified", best.get("status").asText());
        double target = 15;
        assertTrue(best.get("verified_goodput_per_s").asDouble() >= target, best.toString());
        // cost = devices × the node's hourly price shared by its 8 devices (dgx-h100 $24.0, dgx-a100 $14.3)
        double perDevice = best.get("configuration").asText().contains("dgx-h100") ? 24.0 / 8 : 14.3 / 8;
        assertEquals(best.get("devices").asInt() * perDevice, best.get("cost_per_hour_usd").asDouble(), 1e-9);
        // replicas behind least-outstanding scale about linearly: the estimate holds within 10%
        assertEquals(best.get("estimated_goodput_per_s").asDouble(), best.get("verified_goodput_per_s").asDouble(),
                0.10 * best.get("verified_goodput_per_s").asDouble());
        // ranked by cost: no configuration meeting the target is cheaper than the best
        for (JsonNode c : j.get("top")) {
            assertTrue(c.get("cost_per_hour_usd").asDouble() >= best.get("cost_per_hour_usd").asDouble());
        }
        List<String> csv = Files.readAllLines(dir.resolve("a/plan.csv"));
        assertEquals("rank,status,kind,configuration,nodes,devices,scheduler,cost_per_hour_usd,estimated_goodput_per_s,"
                + "verified_goodput_per_s,headroom,meets_target", csv.get(0));
        assertTrue(csv.get(1).startsWith("1,verified,"), csv.get(1));
        assertEquals(1, HtmlChecks.check(dir.resolve("a/report.html")), "the cost vs goodput chart embedded");

        // shards search disjoint units into one folder; the final run reuses them all and ranks the same
        for (String s : List.of("0/2", "1/2")) {
            SweepCommandTest.Outcome shard = plan(f, dir.resolve("s").toString(), "--shard", s);
            assertEquals(0, shard.code(), shard.err());
            assertTrue(shard.out().contains("searched 6 of 12 units"), shard.out());
        }
        SweepCommandTest.Outcome ranked = plan(f, dir.resolve("s").toString());
        assertTrue(ranked.out().contains("(4 pruned; 1 goodput searches run, 8 reused)"), ranked.out()); // the 8 units, then one verification
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/plan.csv")), Files.readAllBytes(dir.resolve("s/plan.csv")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/plan.json")), Files.readAllBytes(dir.resolve("s/plan.json")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/report.html")), Files.readAllBytes(dir.resolve("s/report.html")),
                "the report does not depend on how the searches were split");
    }

    /** A plan over the quickstart on one DGX H100 (tp 1 and 2, a 1:1 split, one verification) with the base changed. */
    private JsonNode onNodeOfH100s(String name, String... sets) throws Exception {
        Path f = dir.resolve(name + "-plan.yaml");
        Files.writeString(f, """
                base: %s
                plan:
                  target-load: 15/s
                  hardware: [ { node: dgx-h100, max-nodes: 1 } ]
                  tp: [1, 2]
                  disaggregation: [[1, 1]]
                  max-devices: 8
                  verify: 1
                """.formatted(Path.of("scenarios/quickstart.yaml").toAbsolutePath()));
        SweepCommandTest.Outcome o = plan(f, dir.resolve(name).toString(), sets);
        assertEquals(0, o.code(), o.err());
        return new ObjectMapper().readTree(dir.resolve(name).resolve("plan.json").toFile());
    }

    /** The units' configurations, asserting none was pruned. */
    private static List<String> unprunedUnits(JsonNode plan) {
        List<String> units = new java.util.ArrayList<>();
        for (JsonNode u : plan.get("unit_results")) {
            assertTrue(u.get("pruned").isNull(), u.toString());
            units.add(u.get("configuration").asText());
        }
        return units;
    }

    @Test
    void aPipelineParallelBaseIsPlannedAndPricedPerDeviceOfEveryStage() throws Exception {
        // the base's pp = 2 is kept: a unit at tp t is one replica of t × 2 devices (both pools for a pair), counted as
        // the run's summary and xpusim goodput count them, so its price is per device of both stages
        JsonNode j = onNodeOfH100s("pp", "--set", "strategy.parallelism.pp=2");
        assertEquals(List.of("1× dgx-h100 tp1pp2, vllm", "1× dgx-h100 tp2pp2, vllm", "dgx-h100 1P:1D tp1pp2, vllm",
                "dgx-h100 1P:1D tp2pp2, vllm"), unprunedUnits(j));
        assertTrue(j.get("top").size() > 0, j.toString());
        double perDeviceHour = Double.NaN;
        for (JsonNode c : j.get("top")) {
            int devices = 0;
            for (JsonNode g : c.get("groups")) {
                devices += g.get("replicas").asInt() * g.get("tp").asInt() * g.get("pp").asInt();
            }
            assertEquals(devices, c.get("devices").asInt(), c.toString());
            double price = c.get("cost_per_hour_usd").asDouble() / devices;
            if (!Double.isNaN(perDeviceHour)) {
                assertEquals(perDeviceHour, price, 1e-9, "one price per H100 whatever the layout: " + c);
            }
            perDeviceHour = price;
        }
    }

    @Test
    void aMixtureOfExpertsBaseKeepsAttentionDpAndSpreadsItsExpertsOverEachReplica() throws Exception {
        // Qwen3-30B-A3B with attention-dp 2 and its experts over both devices (ep 2): at tp t every replica is 2 × t
        // devices and ep becomes 2 × t (the loader accepts ep 1 or attention-dp × tp), priced per device
        JsonNode j = onNodeOfH100s("moe", "--set", "model=qwen3-30b-a3b", "--set",
                "strategy.parallelism={tp: 1, attention-dp: 2, ep: 2}", "--set", "strategy.max-model-len=8192");
        assertEquals(List.of("1× dgx-h100 adp2tp1ep2, vllm", "1× dgx-h100 adp2tp2ep4, vllm",
                "dgx-h100 1P:1D adp2tp1ep2, vllm", "dgx-h100 1P:1D adp2tp2ep4, vllm"), unprunedUnits(j));
        assertTrue(j.get("top").size() > 0, j.toString());
        for (JsonNode c : j.get("top")) {
            int devices = 0;
            for (JsonNode g : c.get("groups")) {
                assertEquals(2, g.get("attention_dp").asInt(), c.toString());
                assertEquals(2 * g.get("tp").asInt(), g.get("ep").asInt(), c.toString());
                devices += g.get("replicas").asInt() * 2 * g.get("tp").asInt();
            }
            assertEquals(devices, c.get("devices").asInt(), c.toString());
        }
    }

    @Test
    void badPlansAreLocated() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "base: " + Path.of("scenarios/quickstart.yaml").toAbsolutePath()
                + "\nplan: { target-load: 5/s, hardware: [dgx-h10] }\n");
        SweepCommandTest.Outcome o = SweepCommandTest.run("plan", f.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, o.code());
        assertTrue(o.err().startsWith(f + ":2:38: unknown node 'dgx-h10'") && o.err().contains("did you mean 'dgx-h100'"),
                o.err());
        Files.writeString(f, "base: " + Path.of("scenarios/quickstart.yaml").toAbsolutePath()
                + "\nplan: { target-load: soon, hardware: [dgx-h100], objectve: cost }\n");
        o = SweepCommandTest.run("plan", f.toString());
        assertEquals(f + ":2:50: unknown key 'plan.objectve' (did you mean 'objective'?)", o.err().strip());
        Files.writeString(f, "base: " + Path.of("scenarios/llama3-70b-dgx-h100-azure-conv.yaml").toAbsolutePath()
                + "\nplan: { target-load: 5/s, hardware: [dgx-h100] }\n");
        o = SweepCommandTest.run("plan", f.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("goodput varies the arrival rate, and a trace replay has no rate"), o.err());
        assertFalse(Files.exists(dir.resolve("x/plan.csv")));
        Files.writeString(f, "base: " + Path.of("scenarios/quickstart.yaml").toAbsolutePath()
                + "\nplan: { target-load: 5/s, hardware: [dgx-h100], tp: [1, 2, 1] }\n");
        o = SweepCommandTest.run("plan", f.toString());
        assertEquals(f + ":2:60: tp 1 appears twice in 'plan.tp' (list each once)", o.err().strip());
    }
}
