package io.xpusim.hardware;

/** The technology of a memory tier, from fastest to slowest. */
public enum MemoryKind { SRAM, HBM, DDR, LPDDR, CXL, SSD }
