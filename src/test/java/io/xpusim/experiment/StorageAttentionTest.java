package io.xpusim.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * In-storage attention (InstInfer style, {@code strategy.offload: { attention: csd }}): the KV cache lives in the flash
 * of the node's computational storage drives, spread evenly over them, and decode attention runs on their engines — a
 * roofline on the engine profile, here bound by the drives' internal flash → FPGA bandwidth. 16 OPT-13B sequences with
 * 1,000-token prompts decode 16 steps on one RTX A6000 with four Samsung SmartSSDs, runtime overheads at zero.
 */
class StorageAttentionTest {
    private static final String SCENARIO = """
            schema: xpusim/v1
            name: csd-attention
            seed: 1
            cluster:
              nodes:
                - template: a6000-workstation
            %s
            model: opt-13b
            workload:
              kind: serving
              arrivals: { process: burst }
              requests: 16
              input-tokens: { distribution: fixed, tokens: 1000 }
              output-tokens: { distribution: fixed, tokens: 17 }
            strategy:
              scheduler: { max-batched-tokens: 16384, max-seqs: 16 }
              max-model-len: 2048
              runtime: { framework-overhead-per-kernel: 0us, iteration-overhead: 0us, per-sequence-overhead: 0us, prefill-overhead: 0us }
              %s
            outputs: { charts: false }
            """;
    private static final String DRIVES =
            "      tiers: [ { memory: samsung-smartssd-3.84tb, count: 4, link: pcie-gen3-x4, engine: smartssd-ku15p } ]";
    /** OPT-13B's KV per token: 2 (k, v) × 40 layers × 40 heads × 128 × 2 B. */
    private static final double KV_PER_TOKEN = 2 * 40 * 40 * 128 * 2.0;

    private static Path write(Path dir, String tiers, String offload) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, String.format(SCENARIO, tiers, offload));
        return f;
    }

    private static RunResult run(Path dir, String tiers, String offload) throws IOException {
        return ScenarioRunner.simulate(ScenarioLoader.load(write(dir, tiers, offload), List.of()), RunLimits.NONE, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(RunResult r) {
        return (Map<String, Object>) r.summary().get("metrics");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tier(Map<String, Object> metrics, String name) {
        return ((List<Map<String, Object>>) metrics.get("memory_tiers")).stream().filter(t -> t.get("tier").equals(name))
                .findFirst().orElseThrow();
    }

    @Test
    void decodeStepIsKvBytesPerDriveOverInternalBandwidth(@TempDir Path dir) throws IOException {
        RunResult r = run(dir, DRIVES, "offload: { attention: csd }");
        Map<String, Object> m = metrics(r);
        // a decode step at context c (1,001 … 1,016; mean 1,008.5 over the 16 steps) reads every sequence's KV, a quarter
        // on each drive: 16 × c × 819,200 B / 4 = 3.30 GB per drive at the SmartSSD's internal 3.2 GB/s × efficiency 1.0
        // (flash → FPGA behind the drive's own PCIe switch); its 16 × c × 40 layers × 4·5120 FLOPs / 4 take 73 ms on the
        // engine's 0.6 TFLOP/s fp16 × 0.3, so the flash binds
        double internal = 3.2e9 * 1.0;
        double perDrive = 16 * 1008.5 * KV_PER_TOKEN / 4;
        double attention = perDrive / internal;
        double busy = (Double) m.get("offload_attention_s");
        assertEquals(16 * attention, busy, 0.02 * 16 * attention, "attention per step: hand " + attention
                + " s, simulated " + busy / 16 + " s");
        // the device meanwhile reads its 25.7 GB of weights at 768 GB/s × 0.75 (44.6 ms): the step is the attention plus
        // one layer of it as pipeline fill
        double gpu = 12_853_473_280.0 * 2 / (768e9 * 0.75);
        double step = attention + gpu / 40;
        double tpot = r.recorder().requests().stream().mapToDouble(RequestRecord::tpotSeconds).average().orElseThrow();
        assertEquals(step, tpot, 0.02 * step, "per-token time: hand " + step + " s, simulated " + tpot + " s");

        // only activations cross PCIe: per step q/k/v of 16 tokens (40 layers × 3 × 5120 × 2 B) to the drives and the
        // outputs (40 × 5120 × 2 B) back; the prompts' KV (16,000 tokens) goes to the flash once, after the prefill
        double down = 16 * 16 * 40 * 3 * 5120 * 2.0 + 16_000 * KV_PER_TOKEN;
        assertEquals(down, (Double) m.get("offload_d2h_bytes"), 1e-9 * down);
        assertEquals(16 * 16 * 40 * 5120 * 2.0, (Double) m.get("offload_h2d_bytes"), 1);
        assertEquals(0.0, (Double) m.get("host_attention_s"), "the host CPU computes none of it");

        // the KV cache's pages are booked in the drives' tier of memory_tiers: read by the engines every step, written
        // by the prompts' KV and every decoded token's k/v (the run's end checks these against the flash's own bytes)
        Map<String, Object> csd = tier(m, "csd");
        assertEquals(4 * 3.84e12, (Double) csd.get("capacity_bytes"), 1);
        assertEquals(16 * 16 * 1008.5 * KV_PER_TOKEN, (Double) csd.get("read_bytes"), 1);
        double written = 16_000 * KV_PER_TOKEN + 16 * 16 * 40 * 2 * 5120 * 2.0;
        assertEquals(written, (Double) csd.get("write_bytes"), 1);
        // peak: 16 sequences of up to 1,016 cached tokens in 16-token blocks = 64 blocks each
        assertEquals(16 * 64 * 16 * KV_PER_TOKEN, (Double) csd.get("peak_bytes"), 1);
        assertEquals("csd", ((Map<?, ?>) ((Map<?, ?>) r.summary().get("setup")).get("offload")).get("kv_cache_tier"));
        // hbm holds the weights and activation reserve only; what crossed PCIe left it or arrived in it
        Map<String, Object> hbm = tier(m, "hbm");
        Map<?, ?> setup = (Map<?, ?>) r.summary().get("setup");
        assertEquals(((Number) setup.get("weight_bytes_per_device")).doubleValue()
                + ((Number) setup.get("activation_reserve_bytes_per_device")).doubleValue(), (Double) hbm.get("peak_bytes"), 1);
        assertEquals(down, (Double) hbm.get("read_bytes"), 1e-9 * down);
        assertEquals((Double) m.get("offload_h2d_bytes"), (Double) hbm.get("write_bytes"), 1);
        assertEquals(0.0, (Double) tier(m, "cpu").get("read_bytes") + (Double) tier(m, "cpu").get("write_bytes"),
                "nothing goes through host DRAM");
        // the end-of-run check holds the ledger against the drives' own resources (flash writes, flash → engine reads),
        // and fails for a byte booked that never reached the flash
        TierReport tiers = r.tiers();
        double carried = tiers.mediaBytes().get("csd");
        assertEquals(16 * 16 * 1008.5 * KV_PER_TOKEN + written, carried, 1e-9 * carried);
        assertTrue(tiers.mediaMismatches().isEmpty());
        tiers.tier("csd").write(1e6);
        assertEquals(1, tiers.mediaMismatches().size(), "a booked byte the flash never carried");

        RunResult gpuOnly = run(dir, DRIVES, "");
        assertEquals(metrics(gpuOnly).get("output_tokens_completed"), m.get("output_tokens_completed"),
                "same tokens with and without offload");
        assertEquals(16L * 17, m.get("output_tokens_completed"));
    }

    @Test
    void aNodeWithoutDrivesIsALocatedError(@TempDir Path dir) throws IOException {
        Path f = write(dir, "", "offload: { attention: csd }");
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f, List.of()));
        assertTrue(e.userMessage().contains("s.yaml:19:") && e.userMessage().contains("attention: csd")
                && e.userMessage().contains("node group 0 ('a6000-workstation') has no tier"), e.userMessage());
        assertTrue(e.hint().contains("engine: smartssd-ku15p"), e.hint());
        ScenarioException typo = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f,
                List.of("strategy.offload.attention=cssd")));
        assertTrue(typo.userMessage().contains("unknown value 'cssd'") && typo.hint().contains("csd"), typo.userMessage());
    }

    @Test
    void aDriveTooSmallForOneSequenceIsALocatedError(@TempDir Path dir) throws IOException {
        // a 1 GB drive cannot hold one 2,048-token OPT-13B sequence (2,048 × 819,200 B = 1.56 GiB)
        String tiny = "      tiers: [ { link: pcie-gen3-x4, engine: smartssd-ku15p, memory: { name: tiny-csd, kind: ssd, "
                + "capacity: 1 GB, bandwidth: 3.2 GB/s, internal-bandwidth: 3.2 GB/s, efficiency: 1.0, latency: 90us, "
                + "sources: { all: test } } } ]";
        Path f = write(dir, tiny, "offload: { attention: csd }");
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f, List.of()));
        assertTrue(e.userMessage().contains("s.yaml:19:") && e.userMessage().contains("one 2048-token sequence of opt-13b"
                + " needs 1.56 GiB per device"), e.userMessage());
        assertTrue(e.hint().contains("add drives"), e.hint());
    }
}
