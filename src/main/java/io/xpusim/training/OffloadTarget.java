package io.xpusim.training;

import java.util.Locale;

/** Where the optimizer states live and the optimizer step runs (ZeRO-Offload: cpu; ZeRO-Infinity: nvme). */
public enum OffloadTarget {
    NONE, CPU, NVME;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
