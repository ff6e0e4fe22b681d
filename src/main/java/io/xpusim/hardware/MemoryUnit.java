package io.xpusim.hardware;

import io.xpusim.resource.Resource;
import java.util.List;

/**
 * One built unit of a memory tier on a node — a CPU socket's DRAM, a CXL expander card, an NVMe drive or a
 * computational storage drive — with the resources transfers to and from it share: its media bandwidth (one resource
 * for reads and writes; when the profile has a separate, lower write bandwidth, writes also pass a write resource of
 * that rate, so reads and writes together never exceed the read rate: the flash is one budget), the two directions of its
 * attachment link (none for socket DRAM, which sits on the CPU), and for a computational storage drive its internal
 * media-to-engine bandwidth and its engine's compute (capacity 1, as a device's).
 */
public final class MemoryUnit {
    private final String name;
    private final String tier;
    private final MemoryProfile profile;
    private final int nodeIndex;
    private final int socket;
    private final Resource read;
    private final Resource write;
    private final LinkProfile link;
    private final Resource toHost;
    private final Resource fromHost;
    private final Resource internal;
    private final DeviceProfile engineProfile;
    private final Resource engine;

    MemoryUnit(String name, String tier, MemoryProfile profile, int nodeIndex, int socket, LinkProfile link,
               DeviceProfile engineProfile) {
        this.name = name;
        this.tier = tier;
        this.profile = profile;
        this.nodeIndex = nodeIndex;
        this.socket = socket;
        this.link = link;
        this.engineProfile = engineProfile;
        if (profile.hasSeparateWriteBandwidth()) {
            this.read = new Resource(name + "/read", profile.achievedBandwidthBytesPerSecond());
            this.write = new Resource(name + "/write", profile.achievedWriteBandwidthBytesPerSecond());
        } else {
            this.read = new Resource(name + "/media", profile.achievedBandwidthBytesPerSecond());
            this.write = read;
        }
        if (link == null) {
            this.toHost = null;
            this.fromHost = null;
        } else {
            this.toHost = new Resource(name + "/" + link.name() + "/to-host", link.achievedBandwidthBytesPerSecond());
            this.fromHost = new Resource(name + "/" + link.name() + "/from-host", link.achievedBandwidthBytesPerSecond());
        }
        this.internal = profile.internalBandwidthBytesPerSecond() > 0
                ? new Resource(name + "/internal", profile.achievedInternalBandwidthBytesPerSecond()) : null;
        this.engine = engineProfile == null ? null : new Resource(name + "/engine", 1.0);
    }

    /** e.g. {@code node0/cxl1}, {@code node0/cpu0} (socket 0's DRAM). */
    public String name() {
        return name;
    }

    /** The tier it belongs to ({@link TierSpec#HOST} for socket DRAM). */
    public String tier() {
        return tier;
    }

    public MemoryProfile profile() {
        return profile;
    }

    public int nodeIndex() {
        return nodeIndex;
    }

    /** The CPU socket it hangs off. */
    public int socket() {
        return socket;
    }

    public double capacityBytes() {
        return profile.capacityBytes();
    }

    /** Media bandwidth reads use (shared with writes unless the profile separates them). */
    public Resource read() {
        return read;
    }

    /** The write-only cap when the profile separates it; {@link #read()} itself when reads and writes share one rate. */
    public Resource write() {
        return write;
    }

    /** The media resources a write passes: the shared media budget and, when the profile has one, the write cap. */
    public List<Resource> writeMedia() {
        return write == read ? List.of(read) : List.of(write, read);
    }

    /** The attachment link (PCIe x4, CXL x8), or null for socket DRAM. */
    public LinkProfile link() {
        return link;
    }

    /** The attachment link's direction from the unit to the host, or null. */
    public Resource toHost() {
        return toHost;
    }

    /** The attachment link's direction from the host to the unit, or null. */
    public Resource fromHost() {
        return fromHost;
    }

    /** A computational storage drive's media-to-engine bandwidth, or null. */
    public Resource internal() {
        return internal;
    }

    /** A computational storage drive's engine profile, or null. */
    public DeviceProfile engineProfile() {
        return engineProfile;
    }

    /** A computational storage drive's engine compute (capacity 1: engine-seconds per second), or null. */
    public Resource engine() {
        return engine;
    }

    @Override
    public String toString() {
        return name;
    }
}
