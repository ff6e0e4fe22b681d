package io.xpusim.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/**
 * The Mooncake (FAST'25) JSONL traces: one object per line with {@code timestamp} (ms),
 * {@code input_length}, {@code output_length} and {@code hash_ids} (prefix KV-block hashes), and optionally
 * {@code priority} (an integer, lower is admitted sooner under {@code admission: priority}; default 0).
 */
public final class MooncakeTraceSource extends TraceSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    public MooncakeTraceSource(Path file, TraceOptions options) {
        super(file, options, 0);
    }

    @Override
    protected Line parse(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        double ms = number(n, "timestamp");
        int in = (int) number(n, "input_length");
        int out = (int) number(n, "output_length");
        JsonNode h = n.get("hash_ids");
        long[] hashes = RequestSpec.NO_HASHES;
        if (h != null) {
            if (!h.isArray()) {
                throw new IllegalArgumentException("'hash_ids' is not a list");
            }
            hashes = new long[h.size()];
            for (int i = 0; i < hashes.length; i++) {
                if (!h.get(i).isIntegralNumber() || !h.get(i).canConvertToLong()) {
                    throw new IllegalArgumentException("'hash_ids' holds a non-integer");
                }
                hashes[i] = h.get(i).asLong();
            }
        }
        if (Math.abs(ms) > 9.0e12) { // ±285 years in ms: beyond it nanoseconds overflow a long
            throw new IllegalArgumentException("'timestamp' " + ms + " ms is out of range");
        }
        int priority = 0;
        JsonNode p = n.get("priority");
        if (p != null) {
            if (!p.isIntegralNumber() || !p.canConvertToInt()) {
                throw new IllegalArgumentException("'priority' is not a whole number");
            }
            priority = p.asInt();
        }
        return new Line(Math.round(ms * 1e6), in, out, hashes, priority);
    }

    private static double number(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' is missing or not a number");
        }
        double d = v.asDouble();
        if (key.endsWith("_length") && (d != Math.rint(d) || d > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("'" + key + "' is not a whole number of tokens");
        }
        return d;
    }
}
