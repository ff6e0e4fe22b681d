package io.xpusim.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Combines the folders of a sweep's shards into the folder a single-process run would have written: the points
 * of every shard (checked to be one sweep, each point once, none missing), their stored runs copied over, and the
 * same {@code sweep.json}, {@code sweep.csv} and charts, drawn by the same writer.
 */
public final class SweepMerge {
    private SweepMerge() {
    }

    /** A problem with the folders given (not one sweep, points missing), said in one line. */
    public static final class MergeException extends Exception {
        private static final long serialVersionUID = 1L;

        MergeException(String message) {
            super(message);
        }
    }

    /** Reads every folder's manifest and returns the merged one (shard 0/1, points in index order). */
    public static SweepManifest merge(List<Path> dirs) throws IOException, MergeException {
        SweepDefinition def = null;
        Path first = null;
        TreeMap<Integer, SweepManifest.Point> points = new TreeMap<>();
        TreeMap<Integer, Path> from = new TreeMap<>();
        for (Path d : dirs) {
            if (!Files.isRegularFile(d.resolve(SweepManifest.FILE))) {
                throw new MergeException(d + " has no " + SweepManifest.FILE + " (is it the output folder of xpusim sweep "
                        + "--shard, and did that shard finish?)");
            }
            SweepManifest m;
            try {
                m = SweepManifest.read(d);
            } catch (IllegalArgumentException | com.fasterxml.jackson.core.JacksonException e) {
                throw new MergeException(d.resolve(SweepManifest.FILE) + " is not a readable sweep manifest: "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
            if (def == null) {
                def = m.definition();
                first = d;
            } else if (!def.equals(m.definition())) {
                throw new MergeException(d + " holds a different sweep than " + first + " (name, grid, replications, "
                        + "charts or --set differ); merge only the shards of one sweep, run with the same --set");
            }
            for (SweepManifest.Point p : m.points()) {
                SweepManifest.Point seen = points.putIfAbsent(p.point(), p);
                if (seen == null) {
                    from.put(p.point(), d);
                } else if (!seen.equals(p)) {
                    throw new MergeException("point " + p.point() + " is in both " + from.get(p.point()) + " and " + d
                            + " with different results; give each shard once");
                }
            }
        }
        if (def == null) {
            throw new MergeException("no folders to merge");
        }
        List<Integer> missing = new ArrayList<>();
        for (int p = 0; p < def.points(); p++) {
            if (!points.containsKey(p)) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            throw new MergeException(missing.size() + " of " + def.points() + " points are in none of the folders (first: "
                    + missing.subList(0, Math.min(8, missing.size())) + "); give every shard's folder");
        }
        return new SweepManifest(def, Shard.ALL, new ArrayList<>(points.values()));
    }

    /**
     * Copies every stored run the merged points refer to into {@code out}'s store (those not there already), after
     * finding every one of them: a run missing from all folders is an error before anything is copied.
     */
    public static void copyRuns(List<Path> dirs, SweepManifest merged, Path out) throws IOException, MergeException {
        PointStore target = new PointStore(out);
        List<PointStore> sources = dirs.stream().map(PointStore::new).toList();
        List<Path[]> copies = new ArrayList<>();
        for (SweepManifest.Point p : merged.points()) {
            for (SweepManifest.Run r : p.runs()) {
                if (target.has(r.hash())) {
                    continue;
                }
                PointStore src = sources.stream().filter(s -> s.has(r.hash())).findFirst().orElseThrow(() ->
                        new MergeException("the stored run " + r.hash().substring(0, PointStore.NAME_CHARS) + " of point "
                                + p.point() + " is in none of the folders' points/"));
                copies.add(new Path[] {src.folder(r.hash()), target.folder(r.hash())});
            }
        }
        for (Path[] c : copies) {
            copyFolder(c[0], c[1]);
        }
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Path temp = Files.createTempDirectory(to.getParent(), "." + to.getFileName() + ".partial-");
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, temp.resolve(f.getFileName()));
            }
        }
        Files.move(temp, to);
    }
}
