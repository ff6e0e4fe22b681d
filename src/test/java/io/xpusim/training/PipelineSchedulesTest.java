package io.xpusim.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry finds each schedule by its YAML name and names the known ones when asked for another. */
class PipelineSchedulesTest {

    @Test
    void everyScheduleIsFoundByTheNameItAnswersTo() {
        assertEquals(List.of("1f1b", "gpipe", "interleaved"), List.copyOf(PipelineSchedules.names()));
        for (String name : PipelineSchedules.names()) {
            assertEquals(name, PipelineSchedules.byName(name).name());
        }
        assertInstanceOf(GPipeSchedule.class, PipelineSchedules.byName("gpipe"));
        assertInstanceOf(OneFOneBSchedule.class, PipelineSchedules.byName("1f1b"));
        assertInstanceOf(InterleavedSchedule.class, PipelineSchedules.byName("interleaved"));
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PipelineSchedules.byName("zero-bubble"));
        assertEquals("unknown pipeline schedule 'zero-bubble'; known: [1f1b, gpipe, interleaved]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PipelineSchedules.byName(null));
    }

    @Test
    void theNameListCannotBeChangedFromOutside() {
        assertThrows(UnsupportedOperationException.class, () -> PipelineSchedules.names().add("mine"));
    }
}
