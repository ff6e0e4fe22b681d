package io.xpusim.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A run's output folder, written as a hidden temporary sibling and renamed into place only when complete:
 * a failed or interrupted run never leaves a half-written folder and never overwrites an earlier run.
 */
public final class OutputFolder {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private OutputFolder(Path target) throws IOException {
        this.target = target;
        Files.createDirectories(target.getParent());
        this.temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".partial-");
    }

    /** {@code results/<scenario>/<timestamp>-seed<seed>}, with a numeric suffix if that exists already. */
    public static OutputFolder underResults(Path resultsRoot, String scenario, long seed) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path dir = resultsRoot.resolve(scenario);
        Path candidate = dir.resolve(stamp + "-seed" + seed);
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = dir.resolve(stamp + "-seed" + seed + "-" + i);
        }
        return new OutputFolder(candidate);
    }

    /** {@code results/<scenario>/<prefix>-<timestamp>}, with a numeric suffix if that exists already. */
    public static OutputFolder underResults(Path resultsRoot, String scenario, String prefix) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path dir = resultsRoot.resolve(scenario);
        Path candidate = dir.resolve(prefix + "-" + stamp);
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = dir.resolve(prefix + "-" + stamp + "-" + i);
        }
        return new OutputFolder(candidate);
    }

    /** Exactly {@code dir}, which must not exist or be empty. */
    public static OutputFolder exactly(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new FileAlreadyExistsException(abs + " exists and is not a folder");
            }
            try (Stream<Path> s = Files.list(abs)) {
                if (s.findAny().isPresent()) {
                    throw new DirectoryNotEmptyException(abs.toString());
                }
            }
        }
        return new OutputFolder(abs);
    }

    /** Where to write the files now. */
    public Path temp() {
        return temp;
    }

    /** Where the files will be once committed. */
    public Path target() {
        return target;
    }

    /** Renames the finished folder into place. */
    public void commit() throws IOException {
        if (Files.isDirectory(target)) {
            Files.delete(target); // exactly(): checked empty when the run began
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target);
        }
        committed = true;
    }

    /** Deletes the temporary folder unless it was committed. Safe to call more than once. */
    public void discard() {
        if (committed || !Files.exists(temp)) {
            return;
        }
        try (Stream<Path> s = Files.walk(temp)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("warning: could not remove partial output " + temp + ": " + e.getMessage());
        }
    }
}
