package io.xpusim.hardware;

/** What a compute device is: an accelerator that runs model kernels, or a host CPU. */
public enum DeviceKind { GPU, NPU, CPU }
