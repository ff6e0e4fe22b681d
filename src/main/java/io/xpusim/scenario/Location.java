package io.xpusim.scenario;

/** Where something was written: file, 1-based line and column. */
public record Location(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
