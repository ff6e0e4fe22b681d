package io.xpusim.training;

/**
 * A training plan that cannot run, explained in the user's terms; {@code field} names the key under
 * {@code training:} that is at fault, so the scenario loader can point at it.
 */
public final class PlanException extends RuntimeException {
    private final String field;
    private final String hint;

    public PlanException(String field, String message, String hint) {
        super(message);
        this.field = field;
        this.hint = hint;
    }

    public String field() {
        return field;
    }

    public String hint() {
        return hint;
    }
}
