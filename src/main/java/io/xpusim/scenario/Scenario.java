package io.xpusim.scenario;

import io.xpusim.hardware.Cluster;
import io.xpusim.model.ModelSpec;
import io.xpusim.serving.ServingConfig;
import io.xpusim.workload.WorkloadSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A fully checked scenario: cluster, model, workload, serving strategy and outputs, plus its resolved
 * YAML (every reference inlined, every default filled) from which the same run can be reproduced.
 */
public record Scenario(String name, String description, long seed, Path file, List<Cluster.NodeGroup> nodes,
                       ModelSpec model, WorkloadSpec workload, ServingConfig serving, int replicas, Slo slo,
                       OutputSpec outputs, LinkedHashMap<String, Object> resolvedYaml) {
}
