package io.xpusim.hardware;

/** The technology of an interconnect. */
public enum LinkKind { PCIE, NVLINK, C2C, CXL, UB, IB, ROCE, ETHERNET, HCCS, ICI, XGMI }
