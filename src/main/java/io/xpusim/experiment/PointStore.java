package io.xpusim.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.report.JsonWriter;
import io.xpusim.report.YamlTreeWriter;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The finished runs of a sweep or plan, one folder per run under {@code points/}, named by the hash of its
 * resolved scenario and holding its {@code run.yaml} and {@code summary.json}. Each folder is written under a
 * temporary name and renamed into place, so a folder that exists is complete: an interrupted sweep resumes by
 * skipping them. Safe for concurrent writers.
 */
public final class PointStore {
    /** Hash characters used in folder names (80 bits: collisions are not a concern at any sweep size). */
    static final int NAME_CHARS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path root;

    public PointStore(Path outputFolder) {
        this.root = outputFolder.resolve("points");
    }

    public Path folder(String hash) {
        return root.resolve(hash.substring(0, NAME_CHARS));
    }

    public boolean has(String hash) {
        return Files.isRegularFile(folder(hash).resolve("summary.json"));
    }

    /** Stores a finished run; if another writer stored the same hash first, keeps theirs. */
    public void put(String hash, RunResult r) throws IOException {
        Files.createDirectories(root);
        Path temp = Files.createTempDirectory(root, "." + hash.substring(0, NAME_CHARS) + ".partial-");
        try {
            YamlTreeWriter.write(temp.resolve("run.yaml"), "Resolved scenario of one sweep run (hash " + hash + ").\n"
                    + "Reproduce it with all outputs: xpusim run run.yaml", r.scenario().resolvedYaml());
            JsonWriter.write(temp.resolve("summary.json"), r.summary());
            try {
                Files.move(temp, folder(hash), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, folder(hash));
            }
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            // same scenario stored concurrently: identical content
        } finally {
            if (Files.exists(temp)) {
                try (var s = Files.walk(temp)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The stored summary of {@code hash}, as an ordered tree. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> summary(String hash) throws IOException {
        return JSON.readValue(folder(hash).resolve("summary.json").toFile(), LinkedHashMap.class);
    }
}
