package io.xpusim.serving;

import io.xpusim.model.BatchShape;
import java.util.ArrayList;
import java.util.List;

/**
 * One engine's iteration on its way through a replica's pipeline stages: each stage's cost, when each stage started
 * it, how many of its parts (launches, device work) each stage has still to finish, and the prompts it completes whose
 * KV a prefill replica streams out layer by layer. One per engine, reused: an engine has one iteration in flight.
 */
final class MicroBatch {
    final int engine;
    final StepCost[] costs;
    final long[] stageStart;
    /** Per stage: parts not yet done, of the launches and the device work with its communication. */
    final int[] partsLeft;
    BatchShape shape;
    /** Bytes crossing each stage boundary (all tensor-parallel ranks together). */
    double boundaryBytes;
    /** Prefill role, layer-by-layer KV: requests whose prompt this iteration completes and that will decode. */
    final List<ServingRequest> completingPrompts = new ArrayList<>();

    MicroBatch(int engine, int stages) {
        this.engine = engine;
        this.costs = new StepCost[stages];
        this.stageStart = new long[stages];
        this.partsLeft = new int[stages];
    }
}
