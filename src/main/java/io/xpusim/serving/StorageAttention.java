package io.xpusim.serving;

import io.xpusim.hardware.Device;
import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.MemoryUnit;
import io.xpusim.hardware.TierSpec;
import io.xpusim.model.BatchShape;
import io.xpusim.model.Operator;
import io.xpusim.resource.Activity;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code attention: csd} — InstInfer-style in-storage attention: the KV cache lives in the flash of the node's
 * computational storage drives and decode attention runs on their engines. A rank's KV is spread evenly over the drives
 * its data is interleaved on ({@link io.xpusim.hardware.Cluster#unitsFor}: those on its CPU socket), each drive holding
 * an equal share of every sequence's KV, as TierTransfers places a device's data. Per iteration, rank and drive:
 * <ul>
 *   <li>the drive's share of the new tokens' q crosses the device's host link and the drive's PCIe link to its engine,
 *       and their new k/v — with the prompts' KV after their prefill — go on to the flash at its write bandwidth;</li>
 *   <li>the engine computes attention over its share of the KV: a roofline as two activities that must both finish,
 *       the KV bytes read over the drive's internal (flash → engine) bandwidth and the FLOPs as engine-seconds at the
 *       engine's peak × attention efficiency (its profile), at the activation precision (else fp16, else fp32);</li>
 *   <li>its share of the attention outputs crosses back.</li>
 * </ul>
 * Nothing of the KV crosses PCIe after it is written: only activations do. The flash's access latency is not charged
 * per layer (the engine streams a layer's KV while the previous layer computes).
 */
final class StorageAttention implements AttentionOffload {
    private final OffloadSite site;
    private final List<List<MemoryUnit>> units = new ArrayList<>();
    private final List<List<Resource[]>> toEngine = new ArrayList<>();
    private final List<List<Resource[]>> toFlash = new ArrayList<>();
    private final List<List<Resource[]>> fromEngine = new ArrayList<>();
    private final double engineFlopsPerSecond;
    private final double qBytesPerToken;
    private final double newKvBytesPerToken;
    private final double outBytesPerToken;
    private final double kvBytesPerToken;
    private final AttentionTraffic traffic = new AttentionTraffic();

    StorageAttention(OffloadSite site) {
        this.site = site;
        TierSpec t = site.cluster().nodes().get(site.devices().get(0).nodeIndex()).profile().computationalStorage();
        if (t == null) {
            throw new InfeasibleConfigurationException("attention: csd needs computational storage drives in the node, "
                    + "and it has no tier with a compute engine", "add a tiers: entry with engine: (a csd device profile) "
                    + "to the node group, or use attention: cpu");
        }
        String tier = t.name();
        for (Device d : site.devices()) {
            List<MemoryUnit> mine = site.cluster().unitsFor(d, tier);
            units.add(mine);
            List<Resource[]> in = new ArrayList<>();
            List<Resource[]> flash = new ArrayList<>();
            List<Resource[]> out = new ArrayList<>();
            for (MemoryUnit u : mine) {
                List<Resource> write = site.cluster().tierPath(d, u, true).hops();
                flash.add(write.toArray(Resource[]::new));
                in.add(withoutMedia(write, u));
                out.add(withoutMedia(site.cluster().tierPath(d, u, false).hops(), u));
            }
            toEngine.add(in);
            toFlash.add(flash);
            fromEngine.add(out);
        }
        this.engineFlopsPerSecond = engineFlopsPerSecond(t.engine(), site.config().activations());
        if (engineFlopsPerSecond <= 0) {
            throw new InfeasibleConfigurationException(String.format(Locale.ROOT, "the computational storage engine %s "
                    + "has no %s, fp16 or fp32 peak to compute attention with", t.engine().name(),
                    site.config().activations().name().toLowerCase(Locale.ROOT)), "use an engine profile with peak-flops");
        }
        this.qBytesPerToken = site.qkvBytesPerToken() - site.newKvBytesPerToken();
        this.newKvBytesPerToken = site.newKvBytesPerToken();
        this.outBytesPerToken = site.outBytesPerToken();
        this.kvBytesPerToken = site.kvBytesPerToken();
    }

    /** The engine's achieved attention FLOP/s: its peak at {@code p} (else fp16, else fp32) × attention efficiency. */
    static double engineFlopsPerSecond(DeviceProfile engine, Precision p) {
        double peak = engine.peakFlopsPerSecond(p);
        if (peak <= 0) {
            peak = engine.peakFlopsPerSecond(Precision.FP16);
        }
        if (peak <= 0) {
            peak = engine.peakFlopsPerSecond(Precision.FP32);
        }
        return peak * engine.attentionEfficiency();
    }

    /**
     * The engine's path to the flash: the drive's media (the same flash budget host reads and writes of it use) and
     * its internal media-to-engine bandwidth when the profile gives one.
     */
    private static Resource[] flash(MemoryUnit drive) {
        return drive.internal() != null ? new Resource[] {drive.internal(), drive.read()} : new Resource[] {drive.read()};
    }

    private static Resource[] withoutMedia(List<Resource> hops, MemoryUnit u) {
        return hops.stream().filter(h -> h != u.read() && h != u.write()).toArray(Resource[]::new);
    }

    @Override
    public double add(int r, BatchShape shape, Operator decode, List<Activity> acts, Activity.Completion finished) {
        List<MemoryUnit> drives = units.get(r);
        int n = drives.size();
        String name = site.replica();
        double q = shape.decodeSeqs() * qBytesPerToken / n;
        double written = (shape.decodeSeqs() * newKvBytesPerToken + shape.prefillTokens() * kvBytesPerToken) / n;
        double out = shape.decodeSeqs() * outBytesPerToken / n;
        double kv = decode == null ? 0 : shape.decodeKvTokens() * kvBytesPerToken / n;
        double engineSeconds = decode == null ? 0 : decode.flops() * decode.repeat() / n / engineFlopsPerSecond;
        int[] parts = {0};
        Activity.Completion attended = traffic.timed(site.sim(), parts, finished);
        double alone = 0;
        for (int u = 0; u < n; u++) {
            MemoryUnit drive = drives.get(u);
            if (q > 0) {
                acts.add(new Activity(name + " q to " + drive.name(), q, toEngine.get(r).get(u), Double.POSITIVE_INFINITY,
                        finished));
            }
            if (written > 0) {
                acts.add(new Activity(name + " new KV to " + drive.name(), written, toFlash.get(r).get(u),
                        Double.POSITIVE_INFINITY, finished));
            }
            if (out > 0) {
                acts.add(new Activity(name + " attention outputs from " + drive.name(), out, fromEngine.get(r).get(u),
                        Double.POSITIVE_INFINITY, finished));
            }
            if (kv > 0) {
                parts[0]++;
                Resource[] flash = flash(drive);
                acts.add(new Activity(name + " in-storage attention (flash) on " + drive.name(), kv, flash,
                        Double.POSITIVE_INFINITY, attended));
                for (Resource f : flash) {
                    alone = Math.max(alone, kv / f.capacityPerSecond());
                }
            }
            if (engineSeconds > 0) {
                parts[0]++;
                acts.add(new Activity(name + " in-storage attention (engine) on " + drive.name(), engineSeconds,
                        new Resource[] {drive.engine()}, drive.engine().capacityPerSecond(), attended));
                alone = Math.max(alone, engineSeconds / drive.engine().capacityPerSecond());
            }
        }
        traffic.sent(n * (q + written), n * written);
        traffic.returned(n * out, 0); // from the engine's buffers, not the flash
        traffic.read(n * kv);
        return alone / site.model().layers();
    }

    @Override
    public AttentionTraffic traffic() {
        return traffic;
    }

    @Override
    public boolean runsOnHost() {
        return false;
    }

    @Override
    public double hostCoreSeconds() {
        return 0;
    }
}
