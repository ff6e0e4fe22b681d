package io.xpusim.workload;

/** A malformed trace line: the file, its 1-based line number, and what is wrong there. */
public final class TraceFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final long line;

    public TraceFormatException(String file, long line, String message) {
        super(message);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public long line() {
        return line;
    }
}
