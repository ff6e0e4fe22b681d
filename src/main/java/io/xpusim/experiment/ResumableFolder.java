package io.xpusim.experiment;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output folder of a sweep, plan or merge: unlike a run's, it persists across invocations (its stored runs are
 * what a rerun resumes from), so its summary files are replaced rather than the folder. Files are written into a
 * hidden temporary folder first and then each renamed over its old version: a failure midway leaves the previous
 * complete set, never a half-written file. Charts (PNG, SVG) the new set does not contain are then removed.
 */
public final class ResumableFolder {
    /** Writes files into a folder, returning their names. */
    @FunctionalInterface
    public interface Writer {
        List<String> write(Path dir) throws IOException;
    }

    private ResumableFolder() {
    }

    /** Creates {@code dir} if needed; refuses a path that is a file. */
    public static Path open(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new java.nio.file.FileAlreadyExistsException(dir + " exists and is not a folder");
        }
        return Files.createDirectories(dir);
    }

    public static List<String> publish(Path dir, Writer writer) throws IOException {
        Path temp = Files.createTempDirectory(dir, ".write-partial-");
        try {
            List<String> files = writer.write(temp);
            List<String> written;
            try (Stream<Path> s = Files.list(temp)) { // the files named, and any the writer added (SVG charts)
                written = s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
            }
            for (String f : written) {
                try {
                    Files.move(temp.resolve(f), dir.resolve(f), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            // charts an earlier version of this sweep or plan drew (an axis since removed) would contradict the new table
            try (Stream<Path> s = Files.list(dir)) {
                for (Path old : s.filter(Files::isRegularFile).toList()) {
                    String name = old.getFileName().toString();
                    if ((name.endsWith(".png") || name.endsWith(".svg")) && !written.contains(name)) {
                        Files.delete(old);
                    }
                }
            }
            return files;
        } finally {
            try (Stream<Path> s = Files.walk(temp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
