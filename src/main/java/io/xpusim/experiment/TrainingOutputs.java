package io.xpusim.experiment;

import io.xpusim.metrics.PipelineSlice;
import io.xpusim.metrics.StageMemory;
import io.xpusim.metrics.StageTime;
import io.xpusim.metrics.TrainingRecord;
import io.xpusim.report.CsvWriter;
import io.xpusim.report.TierCharts;
import io.xpusim.report.TrainingCharts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a training run's tables (per-stage breakdown and memory, the last step's slices) and charts. */
final class TrainingOutputs {
    static final List<String> STAGE_COLUMNS = List.of("stage", "compute_s", "exposed_tp_comm_s", "exposed_dp_comm_s",
            "pp_bubble_s", "pp_p2p_s", "offload_stall_s", "optimizer_s", "exposed_ep_comm_s", "weights_bytes", "gradients_bytes",
            "optimizer_bytes", "activations_bytes", "capacity_bytes");

    private TrainingOutputs() {
    }

    static List<String> write(RunResult r, Path dir) throws IOException {
        TrainingRecord t = r.training();
        List<String> files = new ArrayList<>();
        double[][] rows = new double[t.stageTimes().size()][];
        for (int i = 0; i < rows.length; i++) {
            StageTime st = t.stageTimes().get(i);
            StageMemory m = t.memory().get(i);
            double[] c = st.components();
            rows[i] = new double[] {st.stage(), c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], m.weightsBytes(),
                m.gradientsBytes(), m.optimizerBytes(), m.activationsBytes(), m.capacityBytes()};
        }
        CsvWriter.table(dir.resolve("stages.csv"), STAGE_COLUMNS, rows);
        files.add("stages.csv");
        // times relative to the start of the step shown
        List<PipelineSlice> slices = t.lastStepSlices().stream().map(x -> new PipelineSlice(x.stage(), x.kind(), x.microBatch(),
                x.chunk(), x.startSeconds() - t.lastStepStartSeconds(), x.endSeconds() - t.lastStepStartSeconds())).toList();
        CsvWriter.slices(dir.resolve("pipeline.csv"), slices);
        files.add("pipeline.csv");
        if (r.scenario().outputs().charts()) {
            for (Path p : TrainingCharts.write(dir, r.scenario().name(), slices, t.stageTimes(), t.memory())) {
                files.add(p.getFileName().toString());
            }
            files.addAll(TierCharts.write(dir, r.scenario().name(), r.tiers().tiers(), r.tiers().linkClassBytes()));
        }
        return files;
    }
}
