package io.xpusim.cli;

import io.xpusim.scenario.ProfileLibrary;
import io.xpusim.scenario.ProfileSummaries;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code xpusim profiles}: every device, memory, link, node and model with a one-line spec. */
@Command(name = "profiles", mixinStandardHelpOptions = true,
        description = "List hardware profiles and models with one-line specs.")
final class ProfilesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ProfileLibrary lib = ProfileLibrary.forScenario(ProfileLibrary.installationHome().resolve("scenarios").resolve("x.yaml"));
        for (String kind : new String[] {"nodes", "devices", "memories", "links", "models"}) {
            out.println(kind + ":");
            for (String line : ProfileSummaries.lines(lib, kind)) {
                out.println("  " + line);
            }
        }
        return ExitCodes.OK;
    }

}
