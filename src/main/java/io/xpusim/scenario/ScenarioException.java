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
    private final boolean aboutKey;

    public ScenarioException(Location location, String message, String hint) {
        this(location, message, hint, false);
    }

    private ScenarioException(Location location, String message, String hint, boolean aboutKey) {
        super(message);
        this.location = location;
        this.hint = hint;
        this.aboutKey = aboutKey;
    }

    /**
     * An error about a key or path itself (an unknown key, a path through a single value or past a list's end), which no
     * value at it could mend — a sweep over such a path stops before it starts instead of failing every point.
     */
    static ScenarioException aboutKey(Location location, String message, String hint) {
        return new ScenarioException(location, message, hint, true);
    }

    /** Whether it is about a key or path itself rather than a value (see {@link #aboutKey}). */
    public boolean isAboutKey() {
        return aboutKey;
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
