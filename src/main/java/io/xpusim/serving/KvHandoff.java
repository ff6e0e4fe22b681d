package io.xpusim.serving;

import io.xpusim.collective.CollectiveEngine;
import io.xpusim.hardware.Device;
import io.xpusim.kernel.Simulation;
import io.xpusim.metrics.ServingRecorder;
import io.xpusim.model.ModelSpec;
import io.xpusim.units.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves a prefilled request's prompt KV from its prefill replica to a decode replica (the least-outstanding one that
 * can run it). KV layer l of prefill rank i (stage holding l, KV heads of i) goes to the decode rank holding layer l and
 * the same heads, so every (prefill rank, decode rank) pair with overlapping layers and head ranges carries one flow
 * over the fabric, contending with all other traffic. Under attention data parallelism a request's KV lives on one
 * attention group at each end; a latent KV cache (MLA) is whole on every rank, so each decode rank gets all of it from
 * one prefill rank.
 *
 * <ul>
 *   <li>{@link Disaggregation.KvTransfer#WHOLE}: after the first token, all of the prompt's KV at once (one flow per
 *       pair of ranks and pair of pipeline stages).</li>
 *   <li>{@link Disaggregation.KvTransfer#LAYER_BY_LAYER} (Splitwise): in the iteration that completes the prompt, layer
 *       l's KV (all of the prompt's tokens) flows as soon as layer l's compute is done — the stage's k-th layer at
 *       k/layers of the stage's device time (or of its kernels' launch time, when that is longer), its last layer when
 *       the stage actually finishes — so the transfer overlaps the rest of the prefill.</li>
 *   <li>Same GPU: the decode engine beside the prefill one takes the request and its blocks; nothing moves.</li>
 * </ul>
 * The decode replica queues the request once the last byte has landed and its first token has been emitted; then the
 * prefill replica frees its blocks. The exposed transfer time of a request is how long after its first token that is.
 */
final class KvHandoff implements Replica.Handoff {
    /** One request's hand-off while under way. */
    static final class Transit {
        final ServingRequest request;
        final Replica from;
        final Replica to;
        int flowsLeft;
        int layersReleased;
        boolean emitted;
        long emittedPicos;

        Transit(ServingRequest request, Replica from, Replica to) {
            this.request = request;
            this.from = from;
            this.to = to;
        }
    }

    private final Simulation sim;
    private final CollectiveEngine collectives;
    private final ServingRecorder recorder;
    private final List<Replica> decodePool;
    private final Map<Replica, Replica> sameGpuPartner;
    private final Disaggregation.KvTransfer mode;
    private final ModelSpec model;
    private final Precision kvPrecision;
    private double bytesProduced;
    private double bytesTransferred;
    private long handOffs;
    private double[] exposedSeconds = new double[64];
    private int exposedCount;
    private final Map<Long, int[][]> headShares = new HashMap<>();

    /**
     * @param sameGpuPartner for same-GPU disaggregation, the decode replica beside each prefill replica (else null)
     */
    KvHandoff(Simulation sim, CollectiveEngine collectives, ServingRecorder recorder, List<Replica> decodePool,
              Map<Replica, Replica> sameGpuPartner, Disaggregation.KvTransfer mode, ModelSpec model, Precision kvPrecision) {
        this.sim = sim;
        this.collectives = collectives;
        this.recorder = recorder;
        this.decodePool = decodePool;
        this.sameGpuPartner = sameGpuPartner;
        this.mode = mode;
        this.model = model;
        this.kvPrecision = kvPrecision;
    }

    double bytesProduced() {
        return bytesProduced;
    }

    double bytesTransferred() {
        return bytesTransferred;
    }

    long handOffs() {
        return handOffs;
    }

    /** Per completed hand-off: seconds from its first token until its KV had all landed (0 when it landed first). */
    double[] exposedSeconds() {
        return Arrays.copyOf(exposedSeconds, exposedCount);
    }

    @Override
    public void handOff(Replica from, ServingRequest r) {
        handOffs++;
        if (sameGpuPartner != null) {
            Replica to = sameGpuPartner.get(from);
            to.expect();
            from.handedOver(r);
            to.receive(r);
            record(0);
            to.startIfIdle();
            from.startIfIdle();
            return;
        }
        Transit t = r.transit;
        if (t == null) {
            t = begin(from, r);
            t.emitted = true;
            t.emittedPicos = sim.now();
            wholeFlows(t);
            return;
        }
        t.emitted = true;
        t.emittedPicos = sim.now();
        if (t.flowsLeft == 0 && t.layersReleased == model.layers()) {
            complete(t);
        }
    }

    @Override
    public void stageStarted(Replica from, PipelineStage stage, MicroBatch mb) {
        if (mode != Disaggregation.KvTransfer.LAYER_BY_LAYER || sameGpuPartner != null) {
            return;
        }
        ServingRequest[] prompts = mb.completingPrompts.toArray(new ServingRequest[0]);
        for (ServingRequest r : prompts) {
            if (r.transit == null) {
                begin(from, r);
            }
        }
        // a layer is done once its kernels are both launched and run: pace by the slower of the two
        double seconds = Math.max(mb.costs[stage.index].deviceSeconds(), mb.costs[stage.index].hostSeconds());
        long start = sim.now();
        for (int k = 0; k < stage.layers - 1; k++) {
            int layer = stage.firstLayer + k;
            long at = start + io.xpusim.units.TimeSpan.ofSeconds(seconds * (k + 1) / stage.layers).picos();
            sim.scheduleAt(at, arg -> {
                for (ServingRequest r : prompts) {
                    layerFlows(r.transit, layer);
                }
            }, 0);
        }
    }

    @Override
    public void stageDone(Replica from, PipelineStage stage, MicroBatch mb) {
        if (mode != Disaggregation.KvTransfer.LAYER_BY_LAYER || sameGpuPartner != null) {
            return;
        }
        int last = stage.firstLayer + stage.layers - 1;
        for (ServingRequest r : mb.completingPrompts) {
            layerFlows(r.transit, last);
        }
    }

    /** Picks the decode replica, which from now on counts the request as outstanding. */
    private Transit begin(Replica from, ServingRequest r) {
        Replica to = null;
        for (Replica d : decodePool) {
            if ((to == null || d.outstanding() < to.outstanding()) && d.neverRuns(r.spec()) == null) {
                to = d;
            }
        }
        if (to == null) {
            to = decodePool.get(LeastOutstandingRouter.leastOutstanding(decodePool)); // arrival checks make this unreachable
        }
        to.expect();
        Transit t = new Transit(r, from, to);
        r.transit = t;
        // what the decode ranks hold: each its heads' share (a head replicated when tp exceeds the KV heads), or with
        // a latent cache the whole of it
        bytesProduced += r.spec().inputTokens() * model.kvBytesPerTokenPerRank(to.tp(), kvPrecision) * to.tp();
        return t;
    }

    /** The whole prompt KV at once: one flow per pair of ranks whose stages share layers and whose heads overlap. */
    private void wholeFlows(Transit t) {
        Replica a = t.from;
        Replica b = t.to;
        int layers = model.layers();
        t.layersReleased = layers;
        ArrayList<Runnable> sends = new ArrayList<>();
        for (int sa = 0; sa < a.pp(); sa++) {
            for (int sb = 0; sb < b.pp(); sb++) {
                int lo = Math.max(sa * a.layersPerStage(), sb * b.layersPerStage());
                int hi = Math.min((sa + 1) * a.layersPerStage(), (sb + 1) * b.layersPerStage());
                if (hi > lo) {
                    addFlows(t, a.kvDevices(t.request, sa), b.kvDevices(t.request, sb), (hi - lo) / (double) layers, sends);
                }
            }
        }
        sends.forEach(Runnable::run);
    }

    /** Layer {@code layer}'s KV of the prompt, from the stage holding it to the decode stage holding it. */
    private void layerFlows(Transit t, int layer) {
        Replica a = t.from;
        Replica b = t.to;
        ArrayList<Runnable> sends = new ArrayList<>();
        addFlows(t, a.kvDevices(t.request, layer / a.layersPerStage()), b.kvDevices(t.request, layer / b.layersPerStage()),
                1.0 / model.layers(), sends);
        t.layersReleased++;
        sends.forEach(Runnable::run);
    }

    /** Whether every rank holds the whole KV (a latent cache, MLA) rather than its heads' share. */
    private boolean replicated() {
        return model.mla() != null;
    }

    /**
     * Flows from prefill ranks to the decode ranks holding the same KV heads, {@code layerFraction} of the prompt's
     * layers: each decode rank gets every head it holds once, from a prefill rank holding it (replicas of a head, when
     * the prefill tp exceeds the KV heads, take turns by decode rank); with a latent cache decode rank j gets all of it
     * from prefill rank j mod a.
     */
    private void addFlows(Transit t, List<Device> from, List<Device> to, double layerFraction, List<Runnable> sends) {
        int a = from.size();
        int b = to.size();
        double tokens = t.request.spec().inputTokens();
        int[][] shares = replicated() ? null : headShares(a, b);
        double unit = tokens * layerFraction * (replicated() ? model.kvBytesPerTokenPerRank(a, kvPrecision)
                : model.kvBytesPerTokenPerRank(model.kvHeads(), kvPrecision)); // a rank's whole cache, or one head's
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                int heads = replicated() ? (j % a == i ? 1 : 0) : shares[i][j];
                if (heads == 0) {
                    continue;
                }
                double bytes = heads * unit;
                Device src = from.get(i);
                Device dst = to.get(j);
                t.flowsLeft++;
                sends.add(() -> {
                    long start = sim.now();
                    collectives.transfer(bytes, src, dst, () -> {
                        bytesTransferred += bytes;
                        recorder.kvTransfer(start, sim.now(), bytes);
                        if (--t.flowsLeft == 0 && t.emitted && t.layersReleased == model.layers()) {
                            complete(t);
                        }
                    });
                });
            }
        }
    }

    /** How many KV heads prefill rank i sends decode rank j, for tp a → b (cached: a handful of pairs per run). */
    private int[][] headShares(int a, int b) {
        return headShares.computeIfAbsent(a * 65_536L + b, k -> {
            int kvHeads = model.kvHeads();
            int[][] out = new int[a][b];
            for (int j = 0; j < b; j++) {
                for (int h : headsOf(j, b, kvHeads)) {
                    List<Integer> holders = new ArrayList<>();
                    for (int i = 0; i < a; i++) {
                        if (headsOf(i, a, kvHeads).contains(h)) {
                            holders.add(i);
                        }
                    }
                    out[holders.get(j % holders.size())][j]++;
                }
            }
            return out;
        });
    }

    /** The KV heads tensor-parallel rank {@code rank} of {@code tp} holds: its contiguous share, or one replicated head. */
    static List<Integer> headsOf(int rank, int tp, int kvHeads) {
        if (tp >= kvHeads) {
            return List.of((int) ((long) rank * kvHeads / tp));
        }
        List<Integer> heads = new ArrayList<>();
        for (int h = (int) ((long) rank * kvHeads / tp); h < (int) ((long) (rank + 1) * kvHeads / tp); h++) {
            heads.add(h);
        }
        return heads;
    }

    private void complete(Transit t) {
        ServingRequest r = t.request;
        r.transit = null;
        record((sim.now() - t.emittedPicos) / 1e12);
        t.from.transferred(r);
        t.to.receive(r);
        t.to.startIfIdle();
        t.from.startIfIdle();
    }

    private void record(double seconds) {
        if (exposedCount == exposedSeconds.length) {
            exposedSeconds = Arrays.copyOf(exposedSeconds, exposedCount * 2);
        }
        exposedSeconds[exposedCount++] = seconds;
    }
}
