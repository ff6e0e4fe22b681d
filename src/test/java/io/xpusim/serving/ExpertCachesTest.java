package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The expert-cache policies by name: what each evicts, capacity 0, warm start. */
class ExpertCachesTest {
    @Test
    void registryKnowsLruAndLfu() {
        assertEquals(Set.of("lru", "lfu"), ExpertCaches.names());
        assertThrows(IllegalArgumentException.class, () -> ExpertCaches.create("fifo", 2));
    }

    @Test
    void lruEvictsTheLeastRecentlyUsed() {
        ExpertCache c = ExpertCaches.create("lru", 2);
        assertFalse(c.access(1));
        assertFalse(c.access(2));
        assertTrue(c.access(1)); // 2 is now the least recent
        assertFalse(c.access(3)); // evicts 2
        assertTrue(c.contains(1) && c.contains(3) && !c.contains(2));
        assertEquals(2, c.size());
    }

    @Test
    void lfuEvictsTheLeastFrequentlyUsedAndRemembersCounts() {
        ExpertCache c = ExpertCaches.create("lfu", 2);
        c.access(1);
        c.access(1);
        c.access(1);
        c.access(2);
        assertFalse(c.access(3)); // 2 (1 use) goes, 1 (3 uses) stays
        assertTrue(c.contains(1) && c.contains(3) && !c.contains(2));
        c.access(2);
        c.access(2); // 2 now has 3 uses over the run: it wins the slot of 3 (1 use)
        assertTrue(c.contains(2) && c.contains(1) && !c.contains(3));
    }

    @Test
    void zeroCapacityNeverHoldsAndPreloadFillsOnlyToCapacity() {
        for (String policy : ExpertCaches.names()) {
            ExpertCache none = ExpertCaches.create(policy, 0);
            assertFalse(none.access(7));
            assertFalse(none.access(7));
            assertEquals(0, none.size());
            ExpertCache two = ExpertCaches.create(policy, 2);
            two.preload(1);
            two.preload(2);
            two.preload(3);
            assertEquals(2, two.size());
            assertTrue(two.access(1) && two.access(2), policy);
        }
    }
}
