package io.xpusim.experiment;

import io.xpusim.metrics.IterationPoint;
import io.xpusim.report.CsvWriter;
import io.xpusim.report.HostCharts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes an iteration scenario's table and its host-vs-GPU chart. */
final class IterationOutputs {
    static final List<String> COLUMNS = List.of("node_group", "batch", "tokens", "host_launch_s", "gpu_s", "serial_host_s",
            "iteration_s", "cpu_bound");

    private IterationOutputs() {
    }

    static List<String> write(RunResult r, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        List<IterationPoint> points = r.iterations();
        double[][] rows = new double[points.size()][];
        for (int i = 0; i < rows.length; i++) {
            IterationPoint p = points.get(i);
            rows[i] = new double[] {p.group(), p.batch(), p.tokens(), p.hostLaunchSeconds(), p.deviceSeconds(),
                p.serialSeconds(), p.iterationSeconds(), p.cpuBound() ? 1 : 0};
        }
        CsvWriter.table(dir.resolve("iterations.csv"), COLUMNS, rows);
        files.add("iterations.csv");
        if (r.scenario().outputs().charts()) {
            int groups = r.scenario().nodes().size();
            double[] crossovers = new double[groups];
            for (int g = 0; g < groups; g++) {
                final int gi = g;
                crossovers[g] = IterationRunner.crossover(points.stream().filter(p -> p.group() == gi).toList());
            }
            files.add(HostCharts.crossover(dir, r.scenario().name(), r.scenario().model().name(),
                    r.scenario().iteration().promptTokens(), points, crossovers));
        }
        return files;
    }
}
