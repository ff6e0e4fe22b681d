package io.xpusim.experiment;

import io.xpusim.metrics.LinkUtilisation;
import io.xpusim.metrics.TraceSlice;
import io.xpusim.resource.Activity;
import io.xpusim.resource.Resource;
import io.xpusim.resource.SolverObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches the solver of a run: every finished activity becomes a slice on the track of each resource it used
 * (up to a cap, the rest counted), and every link's allocated rate is kept as a step function, binned at the
 * end into utilisation over time for the busiest links.
 */
final class FabricRecorder implements SolverObserver {
    /** Slices kept at most; a trace of millions of slices would not open in a viewer anyway. */
    static final int MAX_SLICES = 500_000;

    private final boolean traceSlices;
    private final List<TraceSlice> slices = new ArrayList<>();
    private long droppedSlices;
    private final Map<Activity, Long> startTimes = new IdentityHashMap<>();
    private final Map<Resource, RateHistory> links = new LinkedHashMap<>();

    /** The allocated rate of one link as (time, rate) change points. */
    private static final class RateHistory {
        long[] times = new long[16];
        double[] rates = new double[16];
        int n;

        void add(long t, double rate) {
            if (n > 0 && rates[n - 1] == rate) {
                return;
            }
            if (n > 0 && times[n - 1] == t) {
                rates[n - 1] = rate;
                return;
            }
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
                rates = Arrays.copyOf(rates, n * 2);
            }
            times[n] = t;
            rates[n] = rate;
            n++;
        }
    }

    FabricRecorder(List<Resource> linkResources, boolean traceSlices) {
        this.traceSlices = traceSlices;
        for (Resource r : linkResources) {
            links.put(r, new RateHistory());
        }
    }

    @Override
    public void activityStarted(Activity activity, long nowPicos) {
        if (traceSlices) {
            startTimes.put(activity, nowPicos);
        }
    }

    @Override
    public void activityFinished(Activity activity, long nowPicos) {
        if (!traceSlices) {
            return;
        }
        Long start = startTimes.remove(activity);
        for (Resource r : activity.resources()) {
            if (slices.size() < MAX_SLICES) {
                slices.add(new TraceSlice(r.name(), activity.label(), start == null ? nowPicos : start, nowPicos));
            } else {
                droppedSlices++;
            }
        }
    }

    @Override
    public void ratesChanged(List<Resource> resources, long nowPicos) {
        for (Resource r : resources) {
            RateHistory h = links.get(r);
            if (h != null) {
                h.add(nowPicos, r.allocatedRate());
            }
        }
    }

    List<TraceSlice> slices() {
        return slices;
    }

    long droppedSlices() {
        return droppedSlices;
    }

    /** Utilisation of the {@code top} links that carried most bytes, in {@code bins} bins over [0, end]. */
    LinkUtilisation utilisation(long endPicos, int bins, int top) {
        if (endPicos <= 0 || links.isEmpty()) {
            return new LinkUtilisation(List.of(), new double[0][0], 0);
        }
        long width = Math.max(1, (endPicos + bins - 1) / bins);
        List<Resource> order = new ArrayList<>();
        Map<Resource, double[]> binned = new LinkedHashMap<>();
        Map<Resource, Double> bytes = new LinkedHashMap<>();
        for (Map.Entry<Resource, RateHistory> e : links.entrySet()) {
            RateHistory h = e.getValue();
            if (h.n == 0) {
                continue;
            }
            double[] b = new double[bins];
            double total = 0;
            for (int i = 0; i < h.n; i++) {
                long from = h.times[i];
                long to = i + 1 < h.n ? h.times[i + 1] : endPicos;
                double rate = h.rates[i];
                total += rate * (to - from) / 1e12;
                for (long t = from; t < to && rate > 0; ) {
                    int bin = (int) Math.min(bins - 1, t / width);
                    long until = Math.min(to, (bin + 1L) * width);
                    if (until <= t) {
                        break;
                    }
                    b[bin] += rate * (until - t) / 1e12;
                    t = until;
                }
            }
            if (total > 0) {
                order.add(e.getKey());
                binned.put(e.getKey(), b);
                bytes.put(e.getKey(), total);
            }
        }
        // busiest first; equal totals keep the cluster's resource order (deterministic)
        order.sort((x, y) -> Double.compare(bytes.get(y), bytes.get(x)));
        List<Resource> chosen = order.subList(0, Math.min(top, order.size()));
        double binSeconds = width / 1e12;
        double[][] u = new double[chosen.size()][];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            Resource r = chosen.get(i);
            names.add(r.name());
            double[] b = binned.get(r);
            u[i] = new double[bins];
            for (int k = 0; k < bins; k++) {
                u[i][k] = Math.min(1.0, b[k] / (r.capacityPerSecond() * binSeconds));
            }
        }
        return new LinkUtilisation(names, u, binSeconds);
    }

}
