package io.xpusim.hardware;

/**
 * What a compute device is: an accelerator that runs model kernels, a host CPU, or the small compute engine inside a
 * computational storage drive (an FPGA or ARM cores next to the flash).
 */
public enum DeviceKind { GPU, NPU, CPU, CSD }
