package io.xpusim.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes an ordered tree of maps, lists, strings and numbers as pretty JSON, byte-for-byte the same for the
 * same tree: keys in insertion order, "\n" line ends, NaN and infinities as null (JSON has no NaN).
 */
public final class JsonWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonWriter() {
    }

    public static void write(Path file, Map<String, Object> tree) throws IOException {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try (OutputStream out = Files.newOutputStream(file);
             JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.setPrettyPrinter(pp);
            writeValue(g, tree);
            g.writeRaw('\n');
        }
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                g.writeNull();
            } else {
                g.writeNumber(d);
            }
        } else if (v instanceof Float f) {
            writeValue(g, f.doubleValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.longValue());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeString(v.toString());
        }
    }
}
