package io.xpusim.experiment;

import io.xpusim.scenario.Scenario;
import io.xpusim.scenario.ScenarioException;
import io.xpusim.scenario.SweepPoints;
import io.xpusim.scenario.SweepSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a sweep (or one shard of it) on a fixed pool of threads. First every point's scenarios are bound — one
 * per replication — so that bad values are found before anything runs: a point that does not bind is recorded
 * with its error, while an error about a swept path itself stops the sweep. Then every run not already in the
 * {@link PointStore} is simulated without per-run charts and stored. Results are collected by point index, never
 * in completion order, so the outputs do not depend on the number of threads.
 */
public final class SweepRunner {
    /** Told after each bound or finished run; called under a lock, so it may print. */
    @FunctionalInterface
    public interface Progress {
        void update(String phase, int done, int total, int reused);
    }

    private final SweepPoints points;
    private final Shard shard;
    private final int threads;
    private int ran;
    private int reused;

    public SweepRunner(SweepPoints points, Shard shard, int threads) {
        this.points = points;
        this.shard = shard;
        this.threads = threads;
    }

    /** Runs the shard's points, storing runs under {@code dir}; returns the manifest (not yet written). */
    public SweepManifest run(Path dir, Progress progress) throws IOException, InterruptedException {
        SweepSpec spec = points.spec();
        int reps = spec.replications();
        List<Integer> mine = new ArrayList<>();
        for (int p = 0; p < spec.points(); p++) {
            if (shard.owns(p)) {
                mine.add(p);
            }
        }
        int n = mine.size();
        Scenario[][] scenarios = new Scenario[n][reps];
        RunError[][] errors = new RunError[n][reps];
        ScenarioException[] pathErrors = new ScenarioException[n];
        PointStore store = new PointStore(dir);
        int[] counter = {0, 0};
        int total = n * reps;
        WorkerPool.run(threads, "sweep-worker", total, k -> {
            int i = k / reps;
            int r = k % reps;
            try {
                scenarios[i][r] = points.scenario(mine.get(i), r);
            } catch (ScenarioException e) {
                if (points.isPathError(e)) {
                    pathErrors[i] = e;
                }
                errors[i][r] = RunError.of(e);
            } catch (RuntimeException e) {
                errors[i][r] = RunError.of(e);
            }
            tick(progress, "checking", counter, total, false);
        });
        for (ScenarioException e : pathErrors) {
            if (e != null) {
                throw e; // the lowest point's: the same for every thread count
            }
        }
        String[][] hashes = new String[n][reps];
        long[][] seeds = new long[n][reps];
        List<int[]> toRun = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < reps; r++) {
                if (scenarios[i][r] != null) {
                    toRun.add(new int[] {i, r});
                }
            }
        }
        counter[0] = 0;
        WorkerPool.run(threads, "sweep-worker", toRun.size(), k -> {
            int i = toRun.get(k)[0];
            int r = toRun.get(k)[1];
            boolean reused = false;
            try {
                Scenario s = scenarios[i][r];
                String hash = ScenarioHash.of(s);
                seeds[i][r] = s.seed();
                if (store.has(hash)) {
                    reused = true;
                } else {
                    store.put(hash, ScenarioRunner.simulateForSummary(s));
                }
                hashes[i][r] = hash;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                errors[i][r] = RunError.of(e);
            } finally {
                scenarios[i][r] = null; // let the scenario go once run
            }
            tick(progress, "running", counter, toRun.size(), reused);
        });
        reused = counter[1];
        ran = toRun.size() - reused;
        SweepDefinition def = SweepDefinition.of(spec, points.overrides());
        List<SweepManifest.Point> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RunError first = null;
            List<SweepManifest.Run> done = new ArrayList<>();
            for (int r = 0; r < reps; r++) {
                if (errors[i][r] != null && first == null) {
                    first = errors[i][r];
                }
                if (hashes[i][r] != null) {
                    done.add(new SweepManifest.Run(r, seeds[i][r], hashes[i][r]));
                }
            }
            out.add(new SweepManifest.Point(mine.get(i), def.texts(mine.get(i)), first == null ? null : first.message(),
                    first != null && first.internal(), first == null ? done : List.of()));
        }
        return new SweepManifest(def, shard, out);
    }

    /** Runs simulated by the last {@link #run}, and runs found already stored. */
    public int ran() {
        return ran;
    }

    public int reused() {
        return reused;
    }

    private static void tick(Progress progress, String phase, int[] counter, int total, boolean reused) {
        synchronized (counter) {
            counter[0]++;
            if (reused) {
                counter[1]++;
            }
            if (progress != null) {
                progress.update(phase, counter[0], total, counter[1]);
            }
        }
    }
}
