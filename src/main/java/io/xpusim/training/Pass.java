package io.xpusim.training;

/** One direction of a micro-batch through a model chunk. */
public enum Pass {
    FORWARD, BACKWARD
}
