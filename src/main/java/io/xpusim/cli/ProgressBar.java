package io.xpusim.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar with ETA on stderr for sweeps and plans: redrawn in place (at most 5 times a second) on a
 * terminal, one line every 5 s otherwise (logs of batch jobs). The ETA assumes the runs left cost what the runs
 * so far cost, reused results not counted.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long phaseStart = start;
    private String phase = "";
    private long lastDraw;
    private boolean open;

    ProgressBar(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    static ProgressBar forStderr(PrintWriter err) {
        return new ProgressBar(err, System.console() != null);
    }

    void update(String phase, int done, int total, int reused) {
        long now = System.nanoTime();
        if (!phase.equals(this.phase)) {
            finishLine();
            this.phase = phase;
            phaseStart = now;
            lastDraw = 0;
        }
        boolean last = done == total;
        if (!last && now - lastDraw < (terminal ? 200_000_000L : 5_000_000_000L)) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - phaseStart) / 1e9;
        int fresh = done - reused;
        String eta = fresh > 0 && !last ? " ETA " + seconds(elapsed / fresh * (total - done)) : "";
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        String line = String.format(Locale.ROOT, "  %-8s [%s] %d/%d%s  %s%s", phase, bar, done, total,
                reused > 0 ? " (" + reused + " reused)" : "", seconds(elapsed), eta);
        if (terminal) {
            err.print("\r" + line + "\033[K");
            open = true;
            if (last) {
                finishLine();
            }
        } else {
            err.println(line);
        }
        err.flush();
    }

    void finishLine() {
        if (open) {
            err.println();
            open = false;
        }
    }

    double totalSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private static String seconds(double s) {
        return s < 120 ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%d min %02d s", (long) s / 60,
                (long) s % 60);
    }
}
