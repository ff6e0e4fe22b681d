package io.xpusim.hardware;

/** The technology of an interconnect (UPI: Intel's socket-to-socket link; XGMI: AMD's Infinity Fabric). */
public enum LinkKind { PCIE, NVLINK, C2C, CXL, UB, IB, ROCE, ETHERNET, HCCS, ICI, XGMI, UPI }
