package io.xpusim.scenario;

/**
 * A problem with the user's input, reported as {@code file:line:col: message (hint)}. Every error a user can
 * cause by what they write surfaces as this exception; the CLI prints its one line and exits with code 2.
 */
public final class ScenarioException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int MAX_LINE = 600;
    private final Location location;
    private final String hint;

    public ScenarioException(Location location, String message, String hint) {
        super(message);
        this.location = location;
        this.hint = hint;
    }

    public Location location() {
        return location;
    }

    public String hint() {
        return hint;
    }

    /** The one line shown to the user. */
    public String userMessage() {
        String line = location + ": " + getMessage() + (hint == null || hint.isEmpty() ? "" : " (" + hint + ")");
        line = line.replace('\n', ' ').replace('\r', ' ');
        // values are quoted into messages: keep the one line readable whatever the input was
        return line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line;
    }
}
