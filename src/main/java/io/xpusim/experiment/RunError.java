package io.xpusim.experiment;

import io.xpusim.scenario.ScenarioException;
import io.xpusim.serving.InfeasibleConfigurationException;
import io.xpusim.workload.TraceFormatException;
import io.xpusim.workload.WorkloadLimitException;

/**
 * Why one run of a sweep or plan did not produce a result, in one line as the command line would say it;
 * {@code internal} when it is a bug (a broken invariant, an unexpected exception) rather than the input.
 */
public record RunError(String message, boolean internal) {
    public static RunError of(RuntimeException e) {
        if (e instanceof ScenarioException se) {
            return new RunError(se.userMessage(), false);
        }
        if (e instanceof InfeasibleConfigurationException ic) {
            return new RunError(ic.getMessage() + " (" + ic.hint() + ")", false);
        }
        if (e instanceof TraceFormatException te) {
            return new RunError(te.file() + ":" + te.line() + ":1: malformed trace line: " + te.getMessage(), false);
        }
        if (e instanceof WorkloadLimitException wl) {
            return new RunError(wl.getMessage(), false);
        }
        if (e instanceof InvariantViolation iv) {
            return new RunError("internal error, an invariant broke: " + iv.getMessage(), true);
        }
        return new RunError("internal error: " + e, true);
    }
}
