package io.xpusim.serving;

import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.MemoryUnit;
import io.xpusim.hardware.NodeInstance;
import io.xpusim.model.BatchShape;
import io.xpusim.model.Operator;
import io.xpusim.resource.Activity;
import io.xpusim.resource.Resource;
import io.xpusim.units.Precision;
import java.util.List;

/**
 * {@code attention: cpu} — the KV cache in host DRAM and decode attention on the host CPU where it lives (FlexGen's CPU
 * compute delegation, FastDecode). Per rank: the new tokens' q/k/v and the prompts' KV cross the device's host link to
 * the DRAM of the socket it hangs off, the outputs come back, and the attention is a roofline on the CPU profile as two
 * activities that must both finish — its bytes read from that socket's DRAM (shared bandwidth) and its FLOPs as
 * core-seconds on the rank's CPU socket (shared with the host threads; all the socket's cores at most).
 */
final class HostAttention implements AttentionOffload {
    private final OffloadSite site;
    private final Resource[][] toHost;
    private final Resource[][] fromHost;
    private final MemoryUnit[] dram;
    private final Resource[] socket;
    private final double cpuFlopsPerSecondPerCore;
    private final double qkvBytesPerToken;
    private final double outBytesPerToken;
    private final double kvBytesPerToken;
    private final AttentionTraffic traffic = new AttentionTraffic();
    private double coreSeconds;

    HostAttention(OffloadSite site) {
        this.site = site;
        int n = site.devices().size();
        toHost = new Resource[n][];
        fromHost = new Resource[n][];
        dram = new MemoryUnit[n];
        socket = new Resource[n];
        for (int i = 0; i < n; i++) {
            var d = site.devices().get(i);
            toHost[i] = site.cluster().hostPath(d, true).toArray(Resource[]::new);
            fromHost[i] = site.cluster().hostPath(d, false).toArray(Resource[]::new);
            // host attention reads the KV from the DRAM of the socket the device hangs off (where its pages live)
            NodeInstance node = site.cluster().nodes().get(d.nodeIndex());
            dram[i] = node.sockets().get(node.deviceSocket()[node.devices().indexOf(d)]);
            socket[i] = site.cpus().socketOf(d);
        }
        DeviceProfile cpu = site.cluster().nodes().get(site.devices().get(0).nodeIndex()).profile().cpu();
        // fp32 (CPUs without 16-bit arithmetic compute in it) at the CPU profile's attention efficiency (its GEMM
        // efficiency unless measured otherwise)
        this.cpuFlopsPerSecondPerCore = cpu.peakFlopsPerSecond(Precision.FP32) * cpu.attentionEfficiency() / cpu.cores();
        this.qkvBytesPerToken = site.qkvBytesPerToken();
        this.outBytesPerToken = site.outBytesPerToken();
        this.kvBytesPerToken = site.kvBytesPerToken();
    }

    @Override
    public double add(int r, BatchShape shape, Operator decode, List<Activity> acts, Activity.Completion finished) {
        String name = site.replica();
        double down = shape.decodeSeqs() * qkvBytesPerToken + shape.prefillTokens() * kvBytesPerToken;
        double up = shape.decodeSeqs() * outBytesPerToken;
        if (down > 0) {
            acts.add(new Activity(name + " q/k/v and prompt KV to host", down, toHost[r], Double.POSITIVE_INFINITY,
                    finished));
            traffic.sent(down, down); // the DMA lands in the socket's DRAM, q with the KV
        }
        if (up > 0) {
            acts.add(new Activity(name + " attention outputs to device", up, fromHost[r], Double.POSITIVE_INFINITY,
                    finished));
            traffic.returned(up, up);
        }
        return decode == null ? 0 : attention(r, decode.bytes() * decode.repeat(), decode.flops() * decode.repeat(), acts,
                finished) / site.model().layers();
    }

    /** Rank r's attention as its memory and core activities; returns its time alone at full rate. */
    private double attention(int r, double bytes, double flops, List<Activity> acts, Activity.Completion finished) {
        int[] parts = {0};
        Activity.Completion both = traffic.timed(site.sim(), parts, finished);
        double seconds = flops / cpuFlopsPerSecondPerCore;
        coreSeconds += seconds;
        traffic.read(bytes); // the operator's DRAM traffic: KV, q and outputs
        String name = site.replica();
        if (bytes > 0) {
            parts[0]++;
            acts.add(new Activity(name + " host attention (memory)", bytes, new Resource[] {dram[r].read()},
                    Double.POSITIVE_INFINITY, both));
        }
        if (seconds > 0 && socket[r] != null) {
            parts[0]++;
            acts.add(new Activity(name + " host attention (cores)", seconds, new Resource[] {socket[r]},
                    socket[r].capacityPerSecond(), both));
        }
        return Math.max(bytes / dram[r].read().capacityPerSecond(),
                socket[r] == null ? 0 : seconds / socket[r].capacityPerSecond());
    }

    @Override
    public AttentionTraffic traffic() {
        return traffic;
    }

    @Override
    public boolean runsOnHost() {
        return true;
    }

    @Override
    public double hostCoreSeconds() {
        return coreSeconds;
    }
}
