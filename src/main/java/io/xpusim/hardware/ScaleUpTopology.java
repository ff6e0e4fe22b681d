package io.xpusim.hardware;

/** How the accelerators of one node reach each other. */
public enum ScaleUpTopology {
    /** Every device has one port into a non-blocking switch (NVSwitch): a route is egress → ingress. */
    SWITCH,
    /** Devices sit under PCIe switches; crossing switches goes through the switch uplinks and the host. */
    PCIE_SWITCH,
    /**
     * A flat, non-blocking all-to-all fabric spanning many boards (Huawei's Unified Bus in CloudMatrix384): every
     * device has one port into the fabric in each direction and reaches any other in one hop, the switch layers
     * between boards taken as non-blocking. Boards only name the devices ({@code node0/board5/npu3}).
     */
    SUPERNODE,
    /** A dedicated link between every pair of devices (AMD Infinity Fabric, Ascend HCCS). */
    FULL_MESH,
    /** One device coupled to its CPU (GH200): no device-to-device links inside the node. */
    C2C,
    /** No scale-up fabric. */
    NONE
}
