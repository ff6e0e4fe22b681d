package io.xpusim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xpusim.workload.RequestSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each router on hand-checkable replica loads. */
class RouterTest {
    /** A replica as a router sees it: outstanding requests, KV used fraction, KV capacity in tokens. */
    private record Load(int outstanding, double kvUsedFraction, long kvCapacityTokens) implements ReplicaLoad {
        Load(int outstanding, double kv) {
            this(outstanding, kv, 1_000_000);
        }
    }

    private static RequestSpec request(long id, int input, long... hashes) {
        return new RequestSpec(id, 0, input, 10, hashes);
    }

    private static RequestSpec request(long id) {
        return request(id, 100);
    }

    @Test
    void theRegistryKnowsEveryRouterByItsYamlName() {
        assertEquals(List.of("least-kv-load", "least-outstanding", "prefix-affinity", "round-robin"),
                new ArrayList<>(Routers.names()));
        assertEquals("round-robin", Routers.DEFAULT);
        assertThrows(IllegalArgumentException.class, () -> Routers.create("random"));
    }

    @Test
    void roundRobinSpreadsEvenlyWhateverTheLoad() {
        Router r = Routers.create("round-robin");
        List<Load> replicas = List.of(new Load(50, 0.9), new Load(0, 0), new Load(3, 0.1));
        int[] counts = new int[3];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            int chosen = r.route(request(i), replicas);
            counts[chosen]++;
            order.add(chosen);
        }
        assertEquals(List.of(0, 1, 2, 0, 1, 2, 0, 1, 2), order);
        assertEquals(3, counts[0]);
        assertEquals(3, counts[1]);
        assertEquals(3, counts[2]);
    }

    @Test
    void leastOutstandingSendsToTheIdleReplicaAndBreaksTiesToTheLowestIndex() {
        Router r = Routers.create("least-outstanding");
        assertEquals(1, r.route(request(0), List.of(new Load(3, 0), new Load(0, 0.9), new Load(2, 0))), "the idle one");
        assertEquals(0, r.route(request(1), List.of(new Load(2, 0), new Load(2, 0), new Load(2, 0))), "tie: lowest index");
        assertEquals(2, r.route(request(2), List.of(new Load(4, 0), new Load(2, 0), new Load(1, 0), new Load(1, 0))));
    }

    @Test
    void leastKvLoadAvoidsTheFullReplica() {
        Router r = Routers.create("least-kv-load");
        // replica 0 has no queue but a nearly full cache: avoided
        assertEquals(1, r.route(request(0), List.of(new Load(0, 0.95), new Load(6, 0.30), new Load(1, 0.50))));
        // equal caches: fewer outstanding wins, then the lower index
        assertEquals(2, r.route(request(1), List.of(new Load(5, 0.40), new Load(3, 0.40), new Load(2, 0.40))));
        assertEquals(1, r.route(request(2), List.of(new Load(5, 0.90), new Load(2, 0.40), new Load(2, 0.40))));
    }

    @Test
    void prefixAffinityFollowsSharedPrefixesAboveThirtyPercentAndOtherwiseBalances() {
        Router r = Routers.create("prefix-affinity");
        List<Load> even = List.of(new Load(0, 0), new Load(0, 0));
        List<Load> zeroBusier = List.of(new Load(3, 0), new Load(0, 0));
        assertEquals(0, r.route(request(0, 2048, 1, 2, 3, 4), even), "nothing cached yet: least outstanding, lowest index");
        // 3 of 4 leading blocks cached on replica 0 (75% > 30%): affinity beats the shorter queue of replica 1
        assertEquals(0, r.route(request(1, 2048, 1, 2, 3, 9), zeroBusier));
        // only 1 of 4 leading blocks (25% ≤ 30%): balance load instead
        assertEquals(1, r.route(request(2, 2048, 1, 7, 8, 9), zeroBusier));
        // a later block matching without the first does not count: prefixes match from the start
        assertEquals(1, r.route(request(3, 2048, 5, 2, 3, 4), zeroBusier));
        // no hashes (e.g. an Azure trace): least outstanding
        assertEquals(1, r.route(request(4, 2048), zeroBusier));
        // replica 1 now holds 1,7,8,9 and 5,2,3,4; replica 0 holds 1,2,3,4,9
        assertEquals(1, r.route(request(5, 2048, 1, 7, 8), List.of(new Load(0, 0), new Load(2, 0))));
    }

    @Test
    void prefixAffinityYieldsToLoadWhenReplicasAreOutOfBalance() {
        Router r = Routers.create("prefix-affinity");
        r.route(request(0, 2048, 1, 2, 3, 4), List.of(new Load(0, 0), new Load(0, 0)));
        // 100 vs 70 outstanding: within 1.5×, so affinity wins over the shorter queue
        assertEquals(0, r.route(request(1, 2048, 1, 2, 3, 4), List.of(new Load(100, 0), new Load(70, 0))));
        // 100 vs 30: they differ by more than 64 and 100 > 1.5 × 30, so the cached prefix is ignored
        assertEquals(1, r.route(request(2, 2048, 1, 2, 3, 4), List.of(new Load(100, 0), new Load(30, 0))));
    }

    @Test
    void prefixAffinityForgetsBlocksTheReplicaCouldNotHold() {
        Router r = Routers.create("prefix-affinity");
        // each replica holds 2,048 tokens of KV; blocks are 512 tokens (2,048-token prompts over 4 hashes)
        List<Load> small = List.of(new Load(0, 0, 2048), new Load(0, 0, 2048));
        assertEquals(0, r.route(request(0, 2048, 1, 2, 3, 4), small));
        assertEquals(0, r.route(request(1, 2048, 1, 2, 3, 4), List.of(new Load(1, 0, 2048), new Load(0, 0, 2048))),
                "all four blocks fit and are cached");
        assertEquals(0, r.route(request(2, 2048, 5, 6, 7, 8), small), "new blocks evict 1-4 from replica 0's view");
        assertEquals(1, r.route(request(3, 2048, 1, 2, 3, 4), List.of(new Load(1, 0, 2048), new Load(0, 0, 2048))),
                "1-4 are gone: least outstanding");
    }
}
