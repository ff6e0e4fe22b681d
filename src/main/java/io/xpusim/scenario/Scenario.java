package io.xpusim.scenario;

import io.xpusim.collective.CollectiveBenchmark;
import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.ScaleOutSpec;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.ServingConfig;
import io.xpusim.training.TrainingSpec;
import io.xpusim.workload.WorkloadSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A fully checked scenario: its kind, the cluster (nodes and the network between them), what runs on it,
 * and outputs, plus its resolved YAML (every reference inlined, every default filled) from which the same
 * run can be reproduced.
 *
 * @param scaleOut   the network between nodes, or null
 * @param model      serving only (null for a collective scenario), as are workload, serving, replicas, router, slo
 * @param router     the name of the {@link io.xpusim.serving.Routers router} spreading requests over the replicas
 * @param collective collective scenarios only
 * @param training   training scenarios only (with model)
 * @param disaggregation serving only: separate prefill and decode pools replacing replicas and the serving tp, or null
 * @param replicaGroups serving only: strategy.replica-groups (empty when absent); then replicas is their total and
 *                      the serving tp the first group's
 * @param iteration  iteration scenarios only (with model and serving): the batch sizes to time, else null
 */
public record Scenario(String name, String description, long seed, Path file, ScenarioKind kind,
                       List<Cluster.NodeGroup> nodes, ScaleOutSpec scaleOut, ModelSpec model, WorkloadSpec workload,
                       ServingConfig serving, int replicas, String router, Slo slo, CollectiveBenchmark collective,
                       TrainingSpec training, OutputSpec outputs, LinkedHashMap<String, Object> resolvedYaml,
                       io.xpusim.serving.Disaggregation disaggregation,
                       List<io.xpusim.serving.ReplicaGroup> replicaGroups, io.xpusim.serving.IterationSweep iteration) {

    public Scenario(String name, String description, long seed, Path file, ScenarioKind kind,
                    List<Cluster.NodeGroup> nodes, ScaleOutSpec scaleOut, ModelSpec model, WorkloadSpec workload,
                    ServingConfig serving, int replicas, String router, Slo slo, CollectiveBenchmark collective,
                    TrainingSpec training, OutputSpec outputs, LinkedHashMap<String, Object> resolvedYaml,
                    io.xpusim.serving.Disaggregation disaggregation, List<io.xpusim.serving.ReplicaGroup> replicaGroups) {
        this(name, description, seed, file, kind, nodes, scaleOut, model, workload, serving, replicas, router, slo,
                collective, training, outputs, resolvedYaml, disaggregation, replicaGroups, null);
    }

    public Scenario(String name, String description, long seed, Path file, ScenarioKind kind,
                    List<Cluster.NodeGroup> nodes, ScaleOutSpec scaleOut, ModelSpec model, WorkloadSpec workload,
                    ServingConfig serving, int replicas, String router, Slo slo, CollectiveBenchmark collective,
                    TrainingSpec training, OutputSpec outputs, LinkedHashMap<String, Object> resolvedYaml,
                    io.xpusim.serving.Disaggregation disaggregation) {
        this(name, description, seed, file, kind, nodes, scaleOut, model, workload, serving, replicas, router, slo,
                collective, training, outputs, resolvedYaml, disaggregation, List.of());
    }

    public Scenario(String name, String description, long seed, Path file, ScenarioKind kind,
                    List<Cluster.NodeGroup> nodes, ScaleOutSpec scaleOut, ModelSpec model, WorkloadSpec workload,
                    ServingConfig serving, int replicas, String router, Slo slo, CollectiveBenchmark collective,
                    TrainingSpec training, OutputSpec outputs, LinkedHashMap<String, Object> resolvedYaml) {
        this(name, description, seed, file, kind, nodes, scaleOut, model, workload, serving, replicas, router, slo,
                collective, training, outputs, resolvedYaml, null);
    }

    /** Total devices in the cluster. */
    public int deviceCount() {
        return nodes.stream().mapToInt(g -> g.profile().deviceCount() * g.count()).sum();
    }
}
