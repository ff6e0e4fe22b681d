package io.xpusim.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpusim.kernel.Simulation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The solver's rates equal those of a plain textbook progressive filling (raise every unfrozen flow together
 * until a link or a cap saturates, freeze what saturated, repeat) on random instances with shared links and
 * caps. The reference is deliberately naive: no heap, no ties, no components.
 */
class MaxMinReferenceTest {
    @Test
    void ratesMatchNaiveProgressiveFilling() {
        SplittableRandom rnd = new SplittableRandom(2024);
        for (int instance = 0; instance < 300; instance++) {
            int links = 1 + rnd.nextInt(60); // above 32 resources the solver switches from scanning to a heap
            int flows = 1 + rnd.nextInt(80);
            double[] capacity = new double[links];
            Resource[] resources = new Resource[links];
            for (int l = 0; l < links; l++) {
                capacity[l] = 1 + rnd.nextInt(10) * (rnd.nextBoolean() ? 1 : 7.5);
                resources[l] = new Resource("l" + l, capacity[l]);
            }
            List<int[]> paths = new ArrayList<>();
            double[] caps = new double[flows];
            Simulation sim = new Simulation();
            FairShareSolver solver = new FairShareSolver(sim);
            Activity[] activities = new Activity[flows];
            for (int f = 0; f < flows; f++) {
                int hops = 1 + rnd.nextInt(Math.min(3, links));
                int[] path = rnd.ints(0, links).distinct().limit(hops).toArray();
                paths.add(path);
                caps[f] = rnd.nextInt(4) == 0 ? 0.1 + rnd.nextDouble() * 3 : Double.POSITIVE_INFINITY;
                Resource[] rs = new Resource[path.length];
                for (int h = 0; h < path.length; h++) {
                    rs[h] = resources[path[h]];
                }
                activities[f] = new Activity("f" + f, 1e6, rs, caps[f], a -> { });
            }
            // half the instances start flows together, half one by one: both must end at the same rates
            if (instance % 2 == 0) {
                solver.startAll(activities);
            } else {
                for (Activity a : activities) {
                    solver.start(a);
                }
            }
            double[] expected = reference(capacity, paths, caps);
            for (int f = 0; f < flows; f++) {
                assertEquals(expected[f], activities[f].rate(), 1e-9 * Math.max(1, expected[f]), "instance " + instance + " flow " + f);
            }
        }
    }

    /** Textbook water-filling. */
    private static double[] reference(double[] capacity, List<int[]> paths, double[] caps) {
        int n = paths.size();
        double[] rate = new double[n];
        boolean[] frozen = new boolean[n];
        double[] used = new double[capacity.length];
        int left = n;
        while (left > 0) {
            // the smallest increment any constraint allows every unfrozen flow
            double step = Double.POSITIVE_INFINITY;
            for (int l = 0; l < capacity.length; l++) {
                int users = 0;
                for (int f = 0; f < n; f++) {
                    if (!frozen[f] && contains(paths.get(f), l)) {
                        users++;
                    }
                }
                if (users > 0) {
                    step = Math.min(step, (capacity[l] - used[l]) / users);
                }
            }
            for (int f = 0; f < n; f++) {
                if (!frozen[f]) {
                    step = Math.min(step, caps[f] - rate[f]);
                }
            }
            for (int f = 0; f < n; f++) {
                if (!frozen[f]) {
                    rate[f] += step;
                    for (int l : paths.get(f)) {
                        used[l] += step;
                    }
                }
            }
            for (int f = 0; f < n; f++) {
                if (frozen[f]) {
                    continue;
                }
                boolean saturated = rate[f] >= caps[f] - 1e-12;
                for (int l : paths.get(f)) {
                    saturated |= used[l] >= capacity[l] - 1e-9 * capacity[l];
                }
                if (saturated) {
                    frozen[f] = true;
                    left--;
                }
            }
        }
        return rate;
    }

    private static boolean contains(int[] path, int l) {
        for (int x : path) {
            if (x == l) {
                return true;
            }
        }
        return false;
    }
}
