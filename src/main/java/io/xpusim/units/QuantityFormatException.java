package io.xpusim.units;

/** A quantity string that could not be read: what was wrong and a hint how to write it. */
public final class QuantityFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String hint;

    public QuantityFormatException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    /** How the value should be written, e.g. {@code "write it like 3.35 TB/s"}. */
    public String hint() {
        return hint;
    }
}
