package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xpusim.report.HtmlChecks;
import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html of every kind of run: self-contained, well-formed, every chart embedded, input escaped, provenance. */
class RunReportTest {
    @TempDir
    Path dir;

    private String report(String scenario, String name, List<String> overrides, int charts) throws Exception {
        Scenario s = ScenarioLoader.load(Path.of(scenario), overrides);
        Path out = Files.createDirectories(dir.resolve(name));
        List<String> files = ScenarioRunner.writeOutputs(ScenarioRunner.simulate(s, RunLimits.NONE, null), out);
        assertEquals("report.html", files.get(files.size() - 1));
        long pngs = files.stream().filter(f -> f.endsWith(".png")).count();
        assertEquals(charts, pngs, "charts written: " + files);
        assertEquals(pngs, HtmlChecks.check(out.resolve("report.html")), "every chart embedded");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<td>" + ScenarioHash.of(s) + "</td>"), "the scenario's hash");
        assertTrue(html.contains("<td class=\"num\">" + s.seed() + "</td>"), "the seed");
        assertTrue(html.contains(BuildInfo.current().version()), "the version");
        assertFalse(html.contains("wall_time"), "no wall times: same inputs, same report");
        return html;
    }

    @Test
    void servingReportEmbedsEveryChartAndEscapesTheInput() throws Exception {
        String hostile = "<script>alert('x')</script> & \"quoted\" </pre> \uFFFE\uD800 \uD83D\uDE80";
        // 8 serving charts, host_vs_device_busy.png (CPU–GPU coupling), tier_occupancy.png and link_bytes.png (memory tiers)
        String html = report("scenarios/quickstart.yaml", "serving", List.of("workload.duration=20s",
                "description=" + hostile), 11);
        assertFalse(html.contains("<script"), "nothing the user wrote becomes markup");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot; &lt;/pre&gt;"
                + " \uFFFD\uFFFD \uD83D\uDE80"), "characters XML forbids replaced, a real emoji kept");
        assertTrue(html.contains("<th scope=\"row\">ttft_s.p90</th>"), "metrics table");
        assertTrue(html.contains("kv_cache_blocks"), "setup table");
        assertTrue(html.contains("Reproduce with: xpusim run run.yaml"), "the resolved scenario");
    }

    @Test
    void inStorageAttentionReportDrawsTheDrivesTier() throws Exception {
        // the eleven serving charts with attention: csd (the csd tier among tier_occupancy.png's lines), and
        // link_utilisation.png since q/k/v and outputs keep the GPU's and the drives' PCIe links busy
        String html = report("scenarios/study/instinfer-opt13b-a6000-smartssd.yaml", "csd", List.of(
                "workload.requests=4", "workload.input-tokens.tokens=256", "workload.output-tokens.tokens=16"), 12);
        assertTrue(html.contains("offload_attention_s") && html.contains("kv_cache_tier"), "offload metrics and setup");
    }

    @Test
    void collectiveAndTrainingReportsToo() throws Exception {
        String c = report("scenarios/collective/nccl-allreduce-dgx-h100.yaml", "collective", List.of(), 2);
        assertTrue(c.contains("busbw_gb_per_s"), "the collectives table");
        // 4 training charts + tier_occupancy.png and link_bytes.png (training offload on the memory tiers)
        String t = report("scenarios/training/llama3-8b-single-dgx-h100.yaml", "training", List.of(), 6);
        assertTrue(t.contains("step_time_s") && t.contains("memory bytes per device"), "training metrics and memory");
    }
}
