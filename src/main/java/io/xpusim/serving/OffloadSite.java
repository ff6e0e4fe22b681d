package io.xpusim.serving;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.HostCpus;
import io.xpusim.kernel.Simulation;
import io.xpusim.model.ModelSpec;
import io.xpusim.resource.FairShareSolver;
import java.util.List;

/** Where one replica's offloaded work runs: its simulation and solver, its devices in the cluster, model and config. */
record OffloadSite(Simulation sim, FairShareSolver solver, String replica, Cluster cluster, HostCpus cpus,
                   List<Device> devices, ModelSpec model, ServingConfig config) {

    /** Bytes one rank sends per decoded token to an attention target: its q, k and v for every layer. */
    double qkvBytesPerToken() {
        return model.layers() * (queryWidth() + 2 * kvWidth()) * config.activations().bytesPerElement();
    }

    /** Bytes of one decoded token's new k and v for every layer (part of {@link #qkvBytesPerToken()}). */
    double newKvBytesPerToken() {
        return model.layers() * 2 * kvWidth() * config.activations().bytesPerElement();
    }

    /** Bytes one rank gets back per decoded token: its attention output for every layer. */
    double outBytesPerToken() {
        return model.layers() * queryWidth() * config.activations().bytesPerElement();
    }

    /** KV-cache bytes per token on one rank (all layers, at the cache precision): a prompt token's KV copied out. */
    double kvBytesPerToken() {
        return model.kvBytesPerTokenPerRank(config.tp(), config.kvCache());
    }

    private double queryWidth() {
        return model.queryWidth() / (double) config.tp();
    }

    private double kvWidth() {
        return (double) model.kvHeadsPerRank(config.tp()) * model.headDim();
    }
}
