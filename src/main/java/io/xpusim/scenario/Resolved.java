package io.xpusim.scenario;

import java.util.LinkedHashMap;

/** A value bound from YAML together with its fully resolved YAML form (references inlined, defaults filled). */
public record Resolved<T>(T value, LinkedHashMap<String, Object> yaml) {
}
