package io.xpusim.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xpusim.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates every example scenario and trace thousands of times and runs each through the real command line.
 * Every case must end successfully (0, or 3 when a limit stopped it) or with exit code 2 and one
 * {@code file:line:col: message} line — never an internal error, a stack trace, or a hang.
 */
class FuzzTest {
    private static final int SCENARIO_CASES = 9_000;
    private static final int TRACE_CASES = 1_200;
    /** CPU time, not wall time, of one case: a loaded CI machine must not turn a slow-but-finite case red. */
    private static final long CASE_BOUND_MILLIS = 10_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Pattern LOCATED = Pattern.compile("^[^\\n]+:\\d+:\\d+: [^\\n]+$");

    @TempDir
    Path dir;

    record Case(String name, Path file, List<String> args) {
    }

    @Test
    void hostileInputNeverCrashes() throws Exception {
        List<Path> scenarios;
        try (Stream<Path> s = Files.walk(Path.of("scenarios"))) {
            scenarios = s.filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> !p.toString().contains("/models/")).sorted().toList();
        }
        // traces sit beside the mutated scenarios so relative trace paths still resolve
        Path traces = Files.createDirectories(dir.resolve("traces"));
        try (Stream<Path> s = Files.list(Path.of("scenarios/traces"))) {
            for (Path t : s.toList()) {
                Files.copy(t, traces.resolve(t.getFileName()));
            }
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < SCENARIO_CASES; i++) {
            Path source = scenarios.get(i % scenarios.size());
            Mutator m = new Mutator(i);
            Path f = dir.resolve("case" + i + ".yaml");
            Files.write(f, m.mutate(Files.readString(source)));
            // most cases validate (the parsing and checking surface); every tenth also simulates briefly
            List<String> args = i % 10 == 0
                    ? List.of("run", f.toString(), "--out", dir.resolve("out" + i).toString(), "-q", "--max-events", "3000",
                    "--max-wall", "5s", "--set", "outputs.charts=false")
                    : List.of("validate", f.toString());
            cases.add(new Case(source + " mutation " + i, f, args));
        }
        String scenarioText = """
                schema: xpusim/v1
                name: fuzz-trace
                seed: 1
                cluster: { nodes: [ { template: dgx-h100, count: 1 } ] }
                model: llama-3-8b
                workload: { kind: serving, requests: 300, trace: { format: %s, file: %s } }
                strategy: { parallelism: { tp: 1 } }
                outputs: { charts: false }
                """;
        String azure = head(Path.of("scenarios/traces/azure-conv-2023.csv"), 300);
        String mooncake = head(Path.of("scenarios/traces/mooncake-conversation-head1000.jsonl"), 300);
        for (int i = 0; i < TRACE_CASES; i++) {
            boolean isAzure = i % 2 == 0;
            Mutator m = new Mutator(1_000_000L + i);
            Path t = dir.resolve("trace" + i + (isAzure ? ".csv" : ".jsonl"));
            Files.write(t, m.mutateTrace(isAzure ? azure : mooncake));
            Path f = dir.resolve("tcase" + i + ".yaml");
            Files.writeString(f, String.format(scenarioText, isAzure ? "azure-csv" : "mooncake-jsonl", t.getFileName()));
            cases.add(new Case("trace mutation " + i, f, List.of("run", f.toString(), "--out", dir.resolve("tout" + i).toString(),
                    "-q", "--max-events", "20000", "--max-wall", "5s")));
        }

        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<String> failures = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (Case c : cases) {
            futures.add(pool.submit(() -> {
                long t0 = THREADS.getCurrentThreadCpuTime();
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = Main.execute(c.args().toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
                long ms = (THREADS.getCurrentThreadCpuTime() - t0) / 1_000_000;
                String e = err.toString().strip();
                String problem = null;
                if (ms > CASE_BOUND_MILLIS) {
                    problem = "took " + ms + " ms of CPU";
                } else if (code == 0 || code == 3) {
                    ok.incrementAndGet();
                } else if (code == 2) {
                    rejected.incrementAndGet();
                    boolean located = LOCATED.matcher(e).matches() || e.startsWith("xpusim: ");
                    if (!located || e.contains("Exception") || e.contains("\tat ")) {
                        problem = "exit 2 without a one-line located message: " + e;
                    }
                } else {
                    problem = "exit " + code + ": " + e;
                }
                if (problem != null) {
                    synchronized (failures) {
                        failures.add(c.name() + " (" + c.file() + "): " + problem);
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        if (!failures.isEmpty()) {
            // keep the first failing inputs for reproduction
            Path keep = Path.of("target/fuzz-failures");
            Files.createDirectories(keep);
            for (String f : failures.subList(0, Math.min(20, failures.size()))) {
                String file = f.substring(f.indexOf('(') + 1, f.indexOf(')'));
                Files.copy(Path.of(file), keep.resolve(Path.of(file).getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            fail(failures.size() + " of " + cases.size() + " cases failed; first: \n" + String.join("\n",
                    failures.subList(0, Math.min(15, failures.size()))));
        }
        System.out.printf("fuzz: %d cases, %d ran, %d rejected with a located message%n", cases.size(), ok.get(), rejected.get());
        assertTrue(ok.get() > 100 && rejected.get() > 1000, "the mutations exercise both paths: ok " + ok + ", rejected " + rejected);
    }

    private static String head(Path file, int lines) throws IOException {
        try (Stream<String> s = Files.lines(file, StandardCharsets.UTF_8)) {
            return String.join("\n", s.limit(lines).toList()) + "\n";
        }
    }
}
