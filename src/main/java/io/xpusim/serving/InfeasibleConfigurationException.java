package io.xpusim.serving;

/**
 * A serving setup that cannot work as asked (does not fit, does not divide), said in the user's terms. The
 * scenario loader runs the same checks first and reports them at the line that causes them.
 */
public final class InfeasibleConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String hint;

    public InfeasibleConfigurationException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    public String hint() {
        return hint;
    }
}
