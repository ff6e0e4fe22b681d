package io.xpusim.cli;

import io.xpusim.experiment.InvariantViolation;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.serving.InfeasibleConfigurationException;
import io.xpusim.workload.WorkloadLimitException;
import io.xpusim.workload.TraceFormatException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code xpusim} command: subcommands, and the one place where errors become messages and exit codes. */
@Command(name = "xpusim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Discrete-event simulator of CPU-GPU-NPU clusters for AI workloads.",
        subcommands = {RunCommand.class, ValidateCommand.class, GoodputCommand.class, SweepCommand.class,
            MergeCommand.class, PlanCommand.class, ProfilesCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code; never throws. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("xpusim: " + ex.getMessage().replace('\n', ' ') + " (see 'xpusim "
                    + (ex.getCommandLine().getCommandName().equals("xpusim") ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help')");
            return ExitCodes.USER_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> handle(ex, err));
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            return handle(t, err);
        }
    }

    static int handle(Throwable ex, PrintWriter err) {
        if (ex instanceof ScenarioException se) {
            err.println(se.userMessage());
            return ExitCodes.USER_ERROR;
        }
        if (ex instanceof TraceFormatException te) {
            err.println(te.file() + ":" + te.line() + ":1: malformed trace line: " + te.getMessage()
                    + " (fix the line, or set trace.on-bad-line: skip)");
            return ExitCodes.USER_ERROR;
        }
        if (ex instanceof WorkloadLimitException wl) {
            err.println("xpusim: " + wl.getMessage());
            return ExitCodes.USER_ERROR;
        }
        if (ex instanceof InfeasibleConfigurationException ic) {
            err.println("xpusim: " + ic.getMessage() + " (" + ic.hint() + ")");
            return ExitCodes.USER_ERROR;
        }
        if (ex instanceof UserError ue) {
            err.println("xpusim: " + ue.getMessage());
            return ExitCodes.USER_ERROR;
        }
        if (ex instanceof InvariantViolation iv) {
            err.println("xpusim: internal error, an invariant broke: " + iv.getMessage()
                    + " (this is a bug; please report it with the scenario and seed)");
            return ExitCodes.INTERNAL_ERROR;
        }
        if (ex instanceof OutOfMemoryError) {
            err.println("xpusim: out of memory (raise the heap with XPUSIM_JAVA_OPTS=-Xmx8g, or shorten the workload)");
            return ExitCodes.INTERNAL_ERROR;
        }
        err.println("xpusim: internal error: " + ex + " (this is a bug; rerun with XPUSIM_DEBUG=1 for a stack trace)");
        if (System.getenv("XPUSIM_DEBUG") != null) {
            ex.printStackTrace(err);
        }
        return ExitCodes.INTERNAL_ERROR;
    }

    /** A command-line level problem (an output folder that is not empty, say), said in one line. */
    static final class UserError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UserError(String message) {
            super(message);
        }
    }

    /** Version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"xpusim " + (v == null ? "dev" : v)};
        }
    }
}
