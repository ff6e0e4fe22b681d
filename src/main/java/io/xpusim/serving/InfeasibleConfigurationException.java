package io.xpusim.serving;

/** A serving setup that cannot work as asked (does not fit, does not divide), said in the user's terms. */
public final class InfeasibleConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String hint;
    private final String field;

    /**
     * @param field the scenario field the problem is about (dotted path), for locating the error
     */
    public InfeasibleConfigurationException(String field, String message, String hint) {
        super(message);
        this.field = field;
        this.hint = hint;
    }

    public String hint() {
        return hint;
    }

    public String field() {
        return field;
    }
}
