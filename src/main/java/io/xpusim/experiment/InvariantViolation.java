package io.xpusim.experiment;

/** A broken internal invariant: a simulator bug, reported loudly with what is needed to reproduce it. */
public final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvariantViolation(String message) {
        super(message);
    }
}
