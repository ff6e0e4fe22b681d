package io.xpusim.cli;

/** Process exit codes, documented in the README. */
final class ExitCodes {
    static final int OK = 0;
    /** Bad input: the scenario, a profile, a trace or the command line; the message says where. */
    static final int USER_ERROR = 2;
    /** A limit (--max-events, --max-wall) stopped the run; partial results were written, marked incomplete. */
    static final int INCOMPLETE = 3;
    /** A bug in xpusim (a broken invariant or an unexpected exception). */
    static final int INTERNAL_ERROR = 70;

    private ExitCodes() {
    }
}
