package io.xpusim.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Runs tasks 0..n−1 on a fixed pool of daemon threads and waits for all of them; a task's exception is rethrown
 * as itself (an {@link UncheckedIOException} as its {@link IOException}). Tasks write their results into slots
 * by index, which is what keeps sweep and plan outputs independent of the thread count.
 */
final class WorkerPool {
    private WorkerPool() {
    }

    static void run(int threads, String name, int n, IntConsumer task) throws IOException, InterruptedException {
        if (n == 0) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, n)), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.accept(index)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UncheckedIOException io) {
                        throw io.getCause();
                    }
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
