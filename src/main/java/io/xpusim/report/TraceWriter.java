package io.xpusim.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.metrics.TraceSlice;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes slices as a Chrome/Perfetto trace (JSON "traceEvents"; open it in ui.perfetto.dev): one process for
 * devices and one for links, one named track (thread) per device or link direction, each slice a complete
 * event with microsecond times.
 */
public final class TraceWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TraceWriter() {
    }

    public static void write(Path file, List<TraceSlice> slices) throws IOException {
        Map<String, Integer> tracks = new TreeMap<>();
        for (TraceSlice s : slices) {
            tracks.putIfAbsent(s.track(), 0);
        }
        int id = 1;
        for (Map.Entry<String, Integer> e : tracks.entrySet()) {
            e.setValue(id++);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("displayTimeUnit", "ns");
            g.writeArrayFieldStart("traceEvents");
            for (int pid = 1; pid <= 2; pid++) {
                g.writeStartObject();
                g.writeStringField("name", "process_name");
                g.writeStringField("ph", "M");
                g.writeNumberField("pid", pid);
                g.writeObjectFieldStart("args");
                g.writeStringField("name", pid == 1 ? "devices" : "links");
                g.writeEndObject();
                g.writeEndObject();
            }
            for (Map.Entry<String, Integer> e : tracks.entrySet()) {
                g.writeStartObject();
                g.writeStringField("name", "thread_name");
                g.writeStringField("ph", "M");
                g.writeNumberField("pid", pid(e.getKey()));
                g.writeNumberField("tid", e.getValue());
                g.writeObjectFieldStart("args");
                g.writeStringField("name", e.getKey());
                g.writeEndObject();
                g.writeEndObject();
            }
            for (TraceSlice s : slices) {
                g.writeStartObject();
                g.writeStringField("name", s.name());
                g.writeStringField("ph", "X");
                g.writeNumberField("pid", pid(s.track()));
                g.writeNumberField("tid", tracks.get(s.track()));
                g.writeNumberField("ts", s.startPicos() / 1e6);
                g.writeNumberField("dur", (s.endPicos() - s.startPicos()) / 1e6);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static int pid(String track) {
        return track.endsWith("/compute") ? 1 : 2;
    }
}
