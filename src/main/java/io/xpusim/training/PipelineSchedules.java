package io.xpusim.training;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The registry of pipeline schedules by the name YAML uses ({@code schedule: 1f1b}). */
public final class PipelineSchedules {
    private static final Map<String, PipelineSchedule> BY_NAME = new TreeMap<>();

    static {
        // Schedules hold no state, so one shared instance each is enough.
        register(new GPipeSchedule());
        register(new OneFOneBSchedule());
        register(new InterleavedSchedule());
    }

    private PipelineSchedules() {
    }

    private static void register(PipelineSchedule schedule) {
        BY_NAME.put(schedule.name(), schedule);
    }

    public static Set<String> names() {
        return Collections.unmodifiableSet(BY_NAME.keySet());
    }

    public static PipelineSchedule byName(String name) {
        PipelineSchedule s = name == null ? null : BY_NAME.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown pipeline schedule '" + name + "'; known: " + names());
        }
        return s;
    }
}
