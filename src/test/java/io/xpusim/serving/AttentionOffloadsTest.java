package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The attention targets YAML can name, and what each means for where the KV cache lives. */
class AttentionOffloadsTest {
    @Test
    void targetsByName() {
        assertEquals(Set.of("cpu", "csd"), AttentionOffloads.names());
        assertThrows(IllegalArgumentException.class, () -> AttentionOffloads.create("gpu", null));
        assertThrows(IllegalArgumentException.class, () -> new OffloadConfig(false, 1, "disk"));
    }

    @Test
    void onlyTheCpuTargetTakesHostCores() {
        for (String t : List.of("cpu", "csd")) {
            OffloadConfig c = new OffloadConfig(false, 1, t);
            assertTrue(c.any() && c.attentionOffloaded(), t);
            assertEquals(t.equals("cpu"), c.attentionOnCpu(), t);
        }
        assertFalse(OffloadConfig.NONE.any());
        assertFalse(OffloadConfig.NONE.attentionOffloaded());
    }
}
