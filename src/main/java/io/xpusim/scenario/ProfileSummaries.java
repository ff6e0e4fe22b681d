package io.xpusim.scenario;

import io.xpusim.hardware.DeviceProfile;
import io.xpusim.hardware.LinkProfile;
import io.xpusim.hardware.MemoryProfile;
import io.xpusim.hardware.NodeProfile;
import io.xpusim.model.ModelSpec;
import io.xpusim.units.DataSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One-line descriptions of every profile of a kind, for {@code xpusim profiles}. A broken profile says so. */
public final class ProfileSummaries {
    private ProfileSummaries() {
    }

    public static List<String> lines(ProfileLibrary lib, String kind) {
        List<String> out = new ArrayList<>();
        for (String name : lib.names(kind)) {
            YamlNode ref = new YamlNode.Scalar(name, false, new Location("profiles", 1, 1));
            try {
                out.add(String.format(Locale.ROOT, "%-24s %s", name, describe(lib, kind, ref)));
            } catch (ScenarioException e) {
                out.add(String.format(Locale.ROOT, "%-24s INVALID: %s", name, e.userMessage()));
            }
        }
        return out;
    }

    private static String describe(ProfileLibrary lib, String kind, YamlNode ref) {
        return switch (kind) {
            case "devices" -> lib.device(ref, "device").value().summary();
            case "memories" -> {
                MemoryProfile m = lib.memory(ref, "memory").value();
                yield String.format(Locale.ROOT, "%s, %.1f GiB at %.3g GB/s%s (%.0f%% achieved)", m.kind().name().toLowerCase(Locale.ROOT),
                        m.capacityBytes() / DataSize.BYTES_PER_GIB, m.bandwidthBytesPerSecond() / 1e9, m.hasSeparateWriteBandwidth()
                                ? String.format(Locale.ROOT, " read, %.3g GB/s write", m.writeBandwidthBytesPerSecond() / 1e9) : "",
                        100 * m.efficiency());
            }
            case "links" -> {
                LinkProfile l = lib.link(ref, "link").value();
                yield String.format(Locale.ROOT, "%s, %.4g GB/s per direction (%.0f%% achieved), %.2g us step latency",
                        l.kind().name().toLowerCase(Locale.ROOT), l.bandwidthBytesPerSecond() / 1e9, 100 * l.efficiency(),
                        l.latencyPicos() / 1e6);
            }
            case "nodes" -> {
                NodeProfile n = lib.node(ref, "node").value();
                DeviceProfile d = n.device();
                yield String.format(Locale.ROOT, "%d× %s, %s %s, %d× %s, $%.2f/h", n.deviceCount(), d.name(),
                        n.scaleUpTopology().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        n.scaleUpLink() == null ? "" : n.scaleUpLink().name(), n.cpuCount(), n.cpu().name(), n.pricePerHourUsd());
            }
            default -> {
                ModelSpec m = lib.model(ref, "model").value();
                yield String.format(Locale.ROOT, "%.3g B params, %d layers, hidden %d, %d/%d heads%s%s",
                        m.publishedParameters() / 1e9, m.layers(), m.hiddenSize(), m.heads(), m.kvHeads(),
                        m.isMoe() ? String.format(Locale.ROOT, ", MoE %d experts top-%d", m.moe().experts(), m.moe().topK()) : "",
                        m.mla() != null ? ", MLA" : "");
            }
        };
    }
}
