package io.xpusim.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.report.JsonWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sweep.json}: the sweep's definition, which shard of it this folder holds, and per point its values,
 * its error (if it did not run) and the hash of each replication's stored run. It is the one input of the
 * table and charts, whether they are drawn by the sweep itself or by {@code merge} from several shards.
 */
public record SweepManifest(SweepDefinition definition, Shard shard, List<Point> points) {
    public static final String SCHEMA = "xpusim-sweep/v1";
    public static final String FILE = "sweep.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One replication's run: its seed and the hash of its resolved scenario (the store key). */
    public record Run(int replication, long seed, String hash) {
    }

    /** A point: its values as written, why it did not run (null if it did), and its runs. */
    public record Point(int point, List<String> values, String error, boolean internalError, List<Run> runs) {
    }

    public void write(Path dir) throws IOException {
        LinkedHashMap<String, Object> root = new LinkedHashMap<>();
        root.put("schema", SCHEMA);
        root.put("sweep", definition.tree());
        LinkedHashMap<String, Object> sh = new LinkedHashMap<>();
        sh.put("index", (long) shard.index());
        sh.put("count", (long) shard.count());
        root.put("shard", sh);
        List<Object> ps = new ArrayList<>();
        for (Point p : points) {
            LinkedHashMap<String, Object> row = new LinkedHashMap<>();
            row.put("point", (long) p.point());
            row.put("values", new ArrayList<Object>(p.values()));
            row.put("error", p.error());
            if (p.internalError()) {
                row.put("internal_error", true);
            }
            List<Object> runs = new ArrayList<>();
            for (Run r : p.runs()) {
                LinkedHashMap<String, Object> run = new LinkedHashMap<>();
                run.put("replication", (long) r.replication());
                run.put("seed", r.seed());
                run.put("hash", r.hash());
                runs.add(run);
            }
            row.put("runs", runs);
            ps.add(row);
        }
        root.put("points", ps);
        JsonWriter.write(dir.resolve(FILE), root);
    }

    /** Reads a folder's sweep.json; an IOException or IllegalArgumentException says what is wrong with it. */
    @SuppressWarnings("unchecked")
    public static SweepManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        Map<String, Object> root = JSON.readValue(file.toFile(), LinkedHashMap.class);
        if (!SCHEMA.equals(root.get("schema"))) {
            throw new IllegalArgumentException(file + " is not a sweep manifest (schema " + root.get("schema") + ")");
        }
        try {
            SweepDefinition def = SweepDefinition.fromTree((Map<String, Object>) root.get("sweep"));
            Map<String, Object> sh = (Map<String, Object>) root.get("shard");
            Shard shard = new Shard(((Number) sh.get("index")).intValue(), ((Number) sh.get("count")).intValue());
            List<Point> points = new ArrayList<>();
            for (Object o : (List<Object>) root.get("points")) {
                Map<String, Object> p = (Map<String, Object>) o;
                List<Run> runs = new ArrayList<>();
                for (Object ro : (List<Object>) p.get("runs")) {
                    Map<String, Object> r = (Map<String, Object>) ro;
                    runs.add(new Run(((Number) r.get("replication")).intValue(), ((Number) r.get("seed")).longValue(),
                            (String) r.get("hash")));
                }
                points.add(new Point(((Number) p.get("point")).intValue(), ((List<Object>) p.get("values")).stream()
                        .map(String::valueOf).toList(), (String) p.get("error"), Boolean.TRUE.equals(p.get("internal_error")),
                        runs));
            }
            return new SweepManifest(def, shard, points);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(file + " is malformed (" + e.getMessage() + ")");
        }
    }
}
