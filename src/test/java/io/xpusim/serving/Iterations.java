package io.xpusim.serving;

import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.List;

/** Test helpers that run a scheduler without a clock: an iteration's outcome is booked as Replica books it. */
final class Iterations {
    private Iterations() {
    }

    static SchedulerState state(String policy, int blocks, int maxTokens, int maxSeqs, double watermark) {
        return new SchedulerState(new KvCache(blocks, 16), new SchedulerConfig(policy, maxTokens, maxSeqs, 16, watermark));
    }

    static ServingRequest request(long id, int input, int output) {
        return new ServingRequest(new RequestSpec(id, 0, input, output, RequestSpec.NO_HASHES));
    }

    /** Schedules one iteration. */
    static Batch schedule(BatchScheduler scheduler, SchedulerState s) {
        Batch b = new Batch();
        scheduler.schedule(s, b);
        return b;
    }

    /** Books the end of an iteration: prompt chunks advance (a finished prompt samples a token), decodes sample one. */
    static void complete(SchedulerState s, Batch b) {
        for (int i = 0; i < b.prefills.size(); i++) {
            ServingRequest r = b.prefills.get(i);
            r.prefilled += b.chunkTokens.get(i);
            if (r.prefillDone()) {
                s.kv.prefillDone(r);
                s.emit(r);
            }
        }
        for (ServingRequest r : b.decodes) {
            s.emit(r);
        }
    }

    /** Schedules and completes one iteration, returning what it ran. */
    static Batch step(BatchScheduler scheduler, SchedulerState s) {
        Batch b = schedule(scheduler, s);
        complete(s, b);
        return b;
    }

    /** Runs iterations until nothing is left to run, returning them (a test's guard against a stall). */
    static List<Batch> drain(BatchScheduler scheduler, SchedulerState s, int maxIterations) {
        List<Batch> out = new ArrayList<>();
        while (!s.waiting.isEmpty() || !s.running.isEmpty()) {
            Batch b = step(scheduler, s);
            if (b.isEmpty() || out.size() >= maxIterations) {
                throw new AssertionError("stalled after " + out.size() + " iterations");
            }
            out.add(b);
        }
        return out;
    }

    /** New tokens an iteration processes: prompt-chunk tokens plus one per decode. */
    static int tokens(Batch b) {
        int t = b.decodes.size();
        for (int c : b.chunkTokens) {
            t += c;
        }
        return t;
    }
}
