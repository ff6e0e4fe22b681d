package io.xpusim.collective;

import io.xpusim.hardware.Cluster;
import io.xpusim.hardware.Device;
import io.xpusim.hardware.LinkProfile;
import io.xpusim.hardware.RingProtocols;
import io.xpusim.hardware.Route;
import io.xpusim.hardware.ScaleUpTopology;
import io.xpusim.kernel.Simulation;
import io.xpusim.resource.Activity;
import io.xpusim.resource.FairShareSolver;
import io.xpusim.resource.Resource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lowers collectives to flows on the cluster's routes, where they contend with everything else through
 * the fair-share solver. A collective is a sequence of phases; a phase is a set of concurrent flows plus
 * the latency of its algorithm steps (alpha). Flows on links with a measured collective curve are capped
 * at the curve's bus bandwidth for the message size (see {@link LinkProfile#collectiveEfficiency}) and then
 * pay no separate alpha, since the curve already holds it. Flows between nodes read the NIC's curve at the
 * buffer each NIC's collective works on: S/k in the hierarchical and tree all-reduce, S/C for a ring of C channels.
 */
public final class CollectiveEngine {
    private final Simulation sim;
    private final FairShareSolver solver;
    private final Cluster cluster;
    private double bytesSent;
    private double bytesDelivered;

    public CollectiveEngine(Simulation sim, FairShareSolver solver, Cluster cluster) {
        this.sim = sim;
        this.solver = solver;
        this.cluster = cluster;
    }

    /** Bytes put on the wire by all collectives started so far. */
    public double bytesSent() {
        return bytesSent;
    }

    /** Bytes that arrived; equals {@link #bytesSent()} once every collective has finished. */
    public double bytesDelivered() {
        return bytesDelivered;
    }

    /**
     * Runs {@code count} back-to-back all-reduces of {@code bytes} each over {@code group} (for example, the two
     * per layer of a tensor-parallel forward pass) with the algorithm {@code auto} picks (in-switch reduction
     * on NVSwitch with NVLS, direct on a full mesh, a ring otherwise), and calls {@code done} when all have
     * finished. A group of one device finishes at once.
     */
    public void allReduce(List<Device> group, double bytes, int count, Runnable done) {
        run(CollectiveOp.ALL_REDUCE, group, bytes, count, CollectiveAlgorithm.AUTO, done);
    }

    /**
     * Runs one collective of {@code bytes} (nccl-tests convention: the all-reduce buffer, the all-gather
     * output, the reduce-scatter input, the per-rank all-to-all send buffer) over {@code group}; returns the
     * algorithm used.
     */
    public CollectiveAlgorithm run(CollectiveOp op, List<Device> group, double bytes, CollectiveAlgorithm algorithm,
                                   Runnable done) {
        return run(op, group, bytes, 1, algorithm, done);
    }

    /**
     * Runs {@code count} back-to-back collectives of {@code bytes} each as one: every flow carries {@code count}
     * times its bytes and every phase pays {@code count} times its latency steps; the message size for
     * collective curves stays {@code bytes}.
     */
    public CollectiveAlgorithm run(CollectiveOp op, List<Device> group, double bytes, int count,
                                   CollectiveAlgorithm algorithm, Runnable done) {
        checkGroup(group);
        CollectiveAlgorithm alg = resolve(op, group, bytes, algorithm);
        int n = group.size();
        if (n <= 1 || bytes <= 0 || count == 0) {
            done.run();
            return alg;
        }
        List<Phase> phases = switch (op) {
            case ALL_REDUCE -> switch (alg) {
                case RING -> List.of(ringAcross(ringPhase(group, bytes, 1, 2, channels(group)), group, bytes));
                case NVLS -> List.of(nvlsPhase(group, bytes));
                case MESH -> List.of(meshPhase(group, bytes, 2));
                default -> hierarchical(group, bytes, alg == CollectiveAlgorithm.TREE);
            };
            case ALL_GATHER, REDUCE_SCATTER -> List.of(alg == CollectiveAlgorithm.MESH ? meshPhase(group, bytes, 1)
                    : ringPhase(group, bytes, 1, 1, channels(group)));
            case BROADCAST -> List.of(chainPhase(group, bytes, channels(group)));
            // uniform through a non-blocking switch, every port carries (n−1)/n of the buffer whatever the pairs: n flows
            // suffice
            case ALL_TO_ALL -> List.of(nonBlockingSwitch(group) ? portEquivalentMesh(group, bytes, 1).withoutCurves()
                    : directPhase(group, uniformMatrix(n, bytes / n)));
            case SEND_RECV -> {
                if (n != 2) {
                    throw new IllegalArgumentException("send-recv needs a group of exactly 2, not " + n);
                }
                double[][] m = new double[2][2];
                m[0][1] = bytes;
                yield List.of(directPhase(group, m));
            }
        };
        runPhases(count == 1 ? phases : phases.stream().map(p -> repeated(p, count)).toList(), done);
        return alg;
    }

    /** {@code count} back-to-back runs of a phase: bytes and latency steps scaled, the message size kept. */
    private static Phase repeated(Phase p, int count) {
        return new Phase(p.from(), p.to(), p.bytes().stream().map(b -> b * count).toList(), p.messageBytes(),
                p.scaleOutMessageBytes(), p.steps() * count, p.stages().stream().map(s -> repeated(s, count)).toList(),
                p.curves(), p.chainLatency(), p.scaleOutEfficiency());
    }

    /**
     * Moves {@code bytes} from one device to another over their route (a KV-cache hand-off, a pipeline
     * activation, an offload copy) and calls {@code done} when the last byte arrives.
     */
    public void transfer(double bytes, Device from, Device to, Runnable done) {
        if (from == to || bytes <= 0) {
            done.run();
            return;
        }
        double[][] m = new double[2][2];
        m[0][1] = bytes;
        // one pair is exact as one flow on any fabric: it keeps its sender's and receiver's ports coupled
        runPhases(List.of(directPhase(List.of(from, to), m)), done);
    }

    /**
     * All-to-all with a per-pair byte matrix: {@code bytes[i][j]} from group member i to member j. Through a
     * non-blocking switch it runs per port ({@link #portAllToAll}), elsewhere as one flow per pair.
     */
    public void allToAll(List<Device> group, double[][] bytes, Runnable done) {
        allToAll(group, bytes, 1, done);
    }

    /**
     * An all-to-all whose per-pair matrix sums {@code steps} back-to-back all-to-alls (the dispatches of every MoE
     * layer of an iteration): the bytes move as one phase and the latency is paid {@code steps} times.
     */
    public void allToAll(List<Device> group, double[][] bytes, int steps, Runnable done) {
        checkGroup(group);
        if (bytes.length != group.size()) {
            throw new IllegalArgumentException("byte matrix is " + bytes.length + " rows for " + group.size() + " ranks");
        }
        if (nonBlockingSwitch(group)) {
            portAllToAll(group, bytes, steps, done);
            return;
        }
        Phase p = directPhase(group, bytes);
        runPhases(List.of(new Phase(p.from(), p.to(), p.bytes(), p.messageBytes(), p.scaleOutMessageBytes(), steps,
                p.stages(), p.curves(), p.chainLatency(), p.scaleOutEfficiency())), done);
    }

    /** The algorithm {@code auto} picks, or the requested one when it applies to the operation. */
    public CollectiveAlgorithm resolve(CollectiveOp op, List<Device> group, double bytes, CollectiveAlgorithm requested) {
        boolean multiNode = nodesOf(group).size() > 1;
        if (op == CollectiveOp.ALL_TO_ALL || op == CollectiveOp.SEND_RECV) {
            return CollectiveAlgorithm.DIRECT;
        }
        boolean nvls = op == CollectiveOp.ALL_REDUCE && !multiNode && group.stream().allMatch(d -> cluster.switchLoop(d) != null);
        ScaleUpTopology topology = cluster.nodes().get(group.get(0).nodeIndex()).profile().scaleUpTopology();
        // a full mesh, or a flat all-to-all supernode, reaches every peer at once at full rate: reduce-scatter and
        // all-gather go to all peers directly (HCCL's mesh), as bandwidth-optimal as a ring with 1 step instead of n−1
        boolean mesh = !multiNode && (topology == ScaleUpTopology.FULL_MESH || topology == ScaleUpTopology.SUPERNODE)
                && (op == CollectiveOp.ALL_REDUCE || op == CollectiveOp.ALL_GATHER || op == CollectiveOp.REDUCE_SCATTER);
        if (requested == CollectiveAlgorithm.AUTO) {
            if (nvls) {
                return CollectiveAlgorithm.NVLS;
            }
            if (mesh) {
                return CollectiveAlgorithm.MESH;
            }
            // across whole, equal node slices the pipelined tree sends 2·S/k per NIC beyond 2 nodes (S/k on 2) and pays
            // 2·log2(N) latency steps; a flat ring sends 2(n-1)/n of S/k per NIC — within 1/n of the tree — and pays
            // 2(n-1) steps: NCCL's tuner model prefers the tree, so auto does — unless the NIC says how the platform's
            // tuner really runs it (its Simple ring, low-latency choices below it at a lower rate), as AWS's on EFA does
            if (op == CollectiveOp.ALL_REDUCE && multiNode && uniformNodes(group)) {
                return ringProtocols(group) != null ? CollectiveAlgorithm.RING : CollectiveAlgorithm.TREE;
            }
            return CollectiveAlgorithm.RING;
        }
        if (requested == CollectiveAlgorithm.NVLS && !nvls || requested == CollectiveAlgorithm.MESH && !mesh) {
            return CollectiveAlgorithm.RING; // no reducing switch, or no full mesh, here
        }
        if ((requested == CollectiveAlgorithm.HIERARCHICAL || requested == CollectiveAlgorithm.TREE)
                && (op != CollectiveOp.ALL_REDUCE || !multiNode || !uniformNodes(group))) {
            return CollectiveAlgorithm.RING; // hierarchy needs whole, equal node slices
        }
        if (requested == CollectiveAlgorithm.DIRECT) {
            return CollectiveAlgorithm.RING;
        }
        return requested;
    }

    // ------------------------------------------------------------------ lowering

    /**
     * A set of concurrent flows, the message size for collective curves, and the alpha steps it pays; or,
     * when {@code stages} is not empty, several such stages run at once (a pipelined collective), each paying
     * its own steps. Flows between nodes read a NIC's curve at {@code scaleOutMessageBytes}, the buffer of the
     * one channel (or per-local-rank all-reduce) they carry — what each NIC's collective works on — while
     * scale-up curves are read at the whole buffer, as they were fitted on one-node runs. With {@code chainLatency}
     * (a ring) each step pays the mean latency of the phase's routes rather than the worst: a ring's steps follow
     * one another around the ring, so its chain of steps crosses every link in turn. Flows between nodes reach
     * {@code scaleOutEfficiency} of their route's bottleneck (the NIC's protocol regime; 1 when none).
     */
    private record Phase(List<Device> from, List<Device> to, List<Double> bytes, double messageBytes,
                         double scaleOutMessageBytes, long steps, List<Phase> stages, boolean curves,
                         boolean chainLatency, double scaleOutEfficiency) {
        Phase(List<Device> from, List<Device> to, List<Double> bytes, double messageBytes, long steps) {
            this(from, to, bytes, messageBytes, messageBytes, steps, List.of(), true, false, 1);
        }

        Phase(List<Device> from, List<Device> to, List<Double> bytes, double messageBytes, double scaleOutMessageBytes,
              long steps) {
            this(from, to, bytes, messageBytes, scaleOutMessageBytes, steps, List.of(), true, false, 1);
        }

        static Phase concurrent(List<Phase> stages) {
            return new Phase(List.of(), List.of(), List.of(), 0, 0, 0, List.copyOf(stages), true, false, 1);
        }

        /** The same flows without collective curves: plain copies pay alpha-beta (curves describe collectives). */
        Phase withoutCurves() {
            return new Phase(from, to, bytes, messageBytes, scaleOutMessageBytes, steps, stages, false, chainLatency,
                    scaleOutEfficiency);
        }

        /**
         * A ring across nodes: alpha-beta on every link (the scale-up curves, fitted on one-node collectives, would
         * count latency twice), steps paying the ring's mean route latency, flows between nodes at {@code efficiency}.
         */
        Phase acrossNodes(double efficiency) {
            return new Phase(from, to, bytes, messageBytes, scaleOutMessageBytes, steps, stages, false, true, efficiency);
        }

        List<Phase> parts() {
            return stages.isEmpty() ? List.of(this) : stages;
        }

        int flowCount() {
            return parts().stream().mapToInt(s -> s.from().size()).sum();
        }
    }

    private static void checkGroup(List<Device> group) {
        if (new HashSet<>(group).size() != group.size()) {
            throw new IllegalArgumentException("a collective group lists a device twice: " + group);
        }
    }

    /**
     * Ring over the group in node-major order; {@code factor} 2 is an all-reduce (reduce-scatter then
     * all-gather), 1 an all-gather or reduce-scatter. With C channels the buffer is split C ways and channel c
     * enters each node at its c-th member.
     */
    private Phase ringPhase(List<Device> group, double bytes, int count, int factor, int channels) {
        int n = group.size();
        double perFlow = count * bytes * factor * (n - 1) / n / channels;
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes, bytes / channels,
                (long) count * factor * (n - 1));
        for (int c = 0; c < channels; c++) {
            List<Device> order = ringOrder(group, c, channels);
            for (int k = 0; k < n; k++) {
                p.from().add(order.get(k));
                p.to().add(order.get((k + 1) % n));
                p.bytes().add(perFlow);
            }
        }
        return p;
    }

    /**
     * In-switch all-reduce: every member sends its whole buffer into the switch and receives the result, capped at
     * the switch's reduction rate shaped by the link's collective curve. Flows are marked by a null destination.
     */
    private Phase nvlsPhase(List<Device> group, double bytes) {
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes, 1);
        for (Device d : group) {
            p.from().add(d);
            p.to().add(null);
            p.bytes().add(bytes);
        }
        return p;
    }

    /**
     * Full-mesh reduce-scatter (factor 1), all-gather (1) or both (2, an all-reduce, pipelined): every rank sends
     * factor·S/n to every peer over its own link.
     */
    private Phase meshPhase(List<Device> group, double bytes, int factor) {
        int n = group.size();
        if (onSupernode(group)) {
            return portEquivalentMesh(group, bytes, factor);
        }
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes, factor);
        for (Device from : group) {
            for (Device to : group) {
                if (from != to) {
                    p.from().add(from);
                    p.to().add(to);
                    p.bytes().add(factor * bytes / n);
                }
            }
        }
        return p;
    }

    /**
     * A ring all-reduce that crosses nodes runs as {@link Phase#acrossNodes}, its flows between nodes at the NIC's
     * protocol-regime efficiency for this size ({@link RingProtocols}); inside one node it is left as it is.
     */
    private Phase ringAcross(Phase ring, List<Device> group, double bytes) {
        if (nodesOf(group).size() <= 1) {
            return ring;
        }
        RingProtocols protocols = ringProtocols(group);
        return ring.acrossNodes(protocols == null ? 1 : protocols.efficiency(bytes, group.size()));
    }

    /** The protocol regimes of the NIC the group's first node reaches other nodes through, or null. */
    private RingProtocols ringProtocols(List<Device> group) {
        if (cluster.scaleOut() == null) {
            return null;
        }
        LinkProfile own = cluster.nodes().get(group.get(0).nodeIndex()).nic();
        return (own != null ? own : cluster.scaleOut().nic()).ringProtocols();
    }

    /**
     * A mesh on a flat supernode, lowered without its n(n−1) flows: through a non-blocking fabric each device's port
     * carries factor·(n−1)/n of the buffer out and in whatever the destinations, so n ring-shaped flows load every port
     * exactly as the mesh does (and contend the same with other traffic) while the phase pays the mesh's steps.
     */
    private static Phase portEquivalentMesh(List<Device> group, double bytes, int factor) {
        int n = group.size();
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes, factor);
        for (int k = 0; k < n; k++) {
            p.from().add(group.get(k));
            p.to().add(group.get((k + 1) % n));
            p.bytes().add(factor * bytes * (n - 1) / n);
        }
        return p;
    }

    /**
     * Whether the group sits on one node whose devices each have one port into a non-blocking switch (NVSwitch, or a
     * supernode's flat bus): then a route is the sender's egress then the receiver's ingress and nothing else is shared.
     */
    private boolean nonBlockingSwitch(List<Device> group) {
        if (nodesOf(group).size() != 1) {
            return false;
        }
        ScaleUpTopology t = cluster.nodes().get(group.get(0).nodeIndex()).profile().scaleUpTopology();
        return t == ScaleUpTopology.SUPERNODE || t == ScaleUpTopology.SWITCH;
    }

    private boolean onSupernode(List<Device> group) {
        return nodesOf(group).size() == 1
                && cluster.nodes().get(group.get(0).nodeIndex()).profile().scaleUpTopology() == ScaleUpTopology.SUPERNODE;
    }

    /** Broadcast as a pipelined chain from the first member along the ring. */
    private Phase chainPhase(List<Device> group, double bytes, int channels) {
        int n = group.size();
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes, bytes / channels, n - 1);
        for (int c = 0; c < channels; c++) {
            List<Device> order = ringOrder(group, c, channels);
            int root = order.indexOf(group.get(0));
            for (int k = 0; k < n - 1; k++) {
                p.from().add(order.get((root + k) % n));
                p.to().add(order.get((root + k + 1) % n));
                p.bytes().add(bytes / channels);
            }
        }
        return p;
    }

    private Phase directPhase(List<Device> group, double[][] matrix) {
        int n = group.size();
        double largest = 0;
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), 0, 1);
        checkMatrix(matrix, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double b = matrix[i][j];
                if (i != j && b > 0) {
                    p.from().add(group.get(i));
                    p.to().add(group.get(j));
                    p.bytes().add(b);
                    largest = Math.max(largest, b);
                }
            }
        }
        return new Phase(p.from(), p.to(), p.bytes(), largest * n, 1).withoutCurves();
    }

    private static void checkMatrix(double[][] matrix, int n) {
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != n) {
                throw new IllegalArgumentException("byte matrix row " + i + " has " + matrix[i].length + " entries, not " + n);
            }
            for (int j = 0; j < n; j++) {
                double b = matrix[i][j];
                if (!(b >= 0) || Double.isInfinite(b)) {
                    throw new IllegalArgumentException("byte matrix entry [" + i + "][" + j + "] is " + b);
                }
            }
        }
    }

    /**
     * An all-to-all through a non-blocking switch, lowered per port: one activity on each rank's egress carrying its
     * row sum (what it sends) and one on its ingress carrying its column sum (what it receives); it finishes when all
     * 2n have, plus {@code steps} route latencies. Through such a switch the ports are the only shared resources, so
     * alone on the fabric it takes max<sub>i</sub> max(row<sub>i</sub>, col<sub>i</sub>) / port rate — the least time
     * any schedule can take, and one a schedule reaches: a matrix whose line sums are at most L is a weighted sum of
     * (partial) permutations of total weight L (Birkhoff–von Neumann; Chang, Chen and Huang, IEEE Trans. Commun. 2001,
     * for crossbar scheduling), and each permutation keeps every port it uses busy. Per-pair flows shared max-min
     * reach that bound only when the matrix is uniform; skewed, they can finish later (a hot receiver throttles its
     * senders' other flows for nothing), so this form is what an all-to-all that schedules its sends well (DeepEP,
     * HCCL) reaches, an optimistic bound. What it gives up: a rank's sends are no longer tied to the receivers' ports,
     * so other traffic on a port shares it with that port's activity alone. 2n activities instead of n(n−1): a
     * skewed 384-rank all-to-all costs 768 activities, not 147,072 flows.
     */
    private void portAllToAll(List<Device> group, double[][] matrix, long steps, Runnable done) {
        int n = group.size();
        checkMatrix(matrix, n);
        double[] row = new double[n];
        double[] col = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    row[i] += matrix[i][j];
                    col[j] += matrix[i][j];
                }
            }
        }
        List<Activity> activities = new ArrayList<>(2 * n);
        int[] outstanding = {0};
        long latency = n < 2 ? 0 : steps * cluster.route(group.get(0), group.get(1)).latencyPicos();
        Runnable oneDone = () -> {
            if (--outstanding[0] == 0) {
                if (latency == 0) {
                    done.run();
                } else {
                    sim.scheduleIn(latency, arg -> done.run(), 0);
                }
            }
        };
        for (int i = 0; i < n; i++) {
            Device peer = group.get((i + 1) % n);
            if (row[i] > 0) {
                // a route through the switch is [sender's egress, receiver's ingress]
                Resource egress = cluster.route(group.get(i), peer).hops().get(0);
                bytesSent += row[i];
                activities.add(new Activity("all-to-all send", row[i], new Resource[] {egress}, Double.POSITIVE_INFINITY,
                        a -> oneDone.run()));
            }
            if (col[i] > 0) {
                Resource ingress = cluster.route(peer, group.get(i)).hops().get(1);
                activities.add(new Activity("all-to-all receive", col[i], new Resource[] {ingress}, Double.POSITIVE_INFINITY,
                        a -> {
                            bytesDelivered += a.totalWork();
                            oneDone.run();
                        }));
            }
        }
        outstanding[0] = activities.size();
        if (activities.isEmpty()) {
            done.run();
            return;
        }
        solver.startAll(activities.toArray(new Activity[0]));
    }

    private static double[][] uniformMatrix(int n, double each) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i][j] = i == j ? 0 : each;
            }
        }
        return m;
    }

    /**
     * Reduce-scatter in nodes, all-reduce across nodes per local rank (ring or tree), all-gather in nodes.
     * NCCL pipelines chunks through the three stages, so they run at once and the slowest binds; each stage
     * still pays its own latency steps (the pipeline fill).
     */
    private List<Phase> hierarchical(List<Device> group, double bytes, boolean tree) {
        Map<Integer, List<Device>> byNode = nodesOf(group);
        int k = byNode.values().iterator().next().size();
        int nodes = byNode.size();
        List<Phase> stages = new ArrayList<>();
        // on a flat supernode the in-node stages go to every peer at once (one step, see portEquivalentMesh)
        long inNodeSteps = cluster.nodes().get(group.get(0).nodeIndex()).profile().scaleUpTopology()
                == ScaleUpTopology.SUPERNODE ? 1 : k - 1L;
        if (k > 1) {
            stages.add(perNodeRing(byNode, bytes, k, inNodeSteps));
        }
        // each local rank's inter-node all-reduce works on S/k: its flows read the NIC's curve there
        Phase across = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes / k,
                tree ? 2L * ceilLog2(nodes) : 2L * (nodes - 1));
        // NCCL's double binary tree is not bandwidth-optimal beyond 2 nodes: a node that is inner in one tree
        // forwards its shard up and twice down (3 × S/(2k)) and sends S/(2k) up the other, 2·S/k in all — what its
        // model charges (NVLS-tree: half the inter-node bandwidth beyond 2 nodes). A hierarchical ring moves 2(N-1)/N.
        double perFlow = (tree && nodes > 2 ? 2.0 : 2.0 * (nodes - 1) / nodes) * bytes / k;
        List<List<Device>> slices = new ArrayList<>(byNode.values());
        for (int l = 0; l < k; l++) {
            for (int a = 0; a < nodes; a++) {
                across.from().add(slices.get(a).get(l));
                across.to().add(slices.get((a + 1) % nodes).get(l));
                across.bytes().add(perFlow);
            }
        }
        stages.add(across);
        if (k > 1) {
            stages.add(perNodeRing(byNode, bytes, k, inNodeSteps));
        }
        return List.of(Phase.concurrent(stages));
    }

    /** A reduce-scatter (or all-gather) ring inside every node at once: each rank sends (k−1)/k of the buffer. */
    private static Phase perNodeRing(Map<Integer, List<Device>> byNode, double bytes, int k, long steps) {
        Phase p = new Phase(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), bytes, steps);
        for (List<Device> members : byNode.values()) {
            for (int i = 0; i < k; i++) {
                p.from().add(members.get(i));
                p.to().add(members.get((i + 1) % k));
                p.bytes().add(bytes * (k - 1) / k);
            }
        }
        return p;
    }

    private static int ceilLog2(int n) {
        return 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
    }

    /** Members grouped by node, in order of first appearance. */
    private static Map<Integer, List<Device>> nodesOf(List<Device> group) {
        Map<Integer, List<Device>> m = new LinkedHashMap<>();
        for (Device d : group) {
            m.computeIfAbsent(d.nodeIndex(), x -> new ArrayList<>()).add(d);
        }
        return m;
    }

    private static boolean uniformNodes(List<Device> group) {
        Map<Integer, List<Device>> m = nodesOf(group);
        int k = m.values().iterator().next().size();
        return m.values().stream().allMatch(l -> l.size() == k);
    }

    /** One channel per NIC when the ring crosses nodes, so every NIC carries a share; else one. */
    private int channels(List<Device> group) {
        if (nodesOf(group).size() <= 1 || cluster.scaleOut() == null || !uniformNodes(group)) {
            return 1;
        }
        int perNode = nodesOf(group).values().iterator().next().size();
        return Math.max(1, Math.min(cluster.scaleOut().nicsPerNode(), perNode));
    }

    /**
     * Node-major ring order; of C channels, channel c rotates each node's k members to enter at member c·k/C, so
     * with one channel per NIC every NIC's rail carries one channel (devices are attached to NICs in blocks).
     */
    private static List<Device> ringOrder(List<Device> group, int channel, int channels) {
        List<Device> order = new ArrayList<>(group.size());
        for (List<Device> members : nodesOf(group).values()) {
            int k = members.size();
            int shift = channel * k / channels;
            for (int i = 0; i < k; i++) {
                order.add(members.get((i + shift) % k));
            }
        }
        return order;
    }

    // ------------------------------------------------------------------ execution

    private static double bottleneck(Route route) {
        double b = Double.POSITIVE_INFINITY;
        for (var hop : route.hops()) {
            b = Math.min(b, hop.capacityPerSecond());
        }
        return b;
    }

    private void runPhases(List<Phase> phases, Runnable done) {
        runPhase(phases, 0, done);
    }

    private void runPhase(List<Phase> phases, int index, Runnable done) {
        if (index == phases.size()) {
            done.run();
            return;
        }
        Phase p = phases.get(index);
        int flows = p.flowCount();
        if (flows == 0) {
            runPhase(phases, index + 1, done);
            return;
        }
        Activity[] activities = new Activity[flows];
        int[] outstanding = {flows};
        long[] latency = new long[1];
        Activity.Completion onFlowDone = a -> {
            bytesDelivered += a.totalWork();
            if (--outstanding[0] == 0) {
                if (latency[0] == 0) {
                    runPhase(phases, index + 1, done);
                } else {
                    sim.scheduleIn(latency[0], arg -> runPhase(phases, index + 1, done), 0);
                }
            }
        };
        int next = 0;
        for (Phase stage : p.parts()) {
            long stepLatency = 0;
            double latencySum = 0;
            boolean allCurves = true;
            for (int f = 0; f < stage.from().size(); f++) {
                Device to = stage.to().get(f);
                Route route = to == null ? cluster.switchLoop(stage.from().get(f)) : cluster.route(stage.from().get(f), to);
                LinkProfile link = route.link();
                stepLatency = Math.max(stepLatency, route.latencyPicos());
                latencySum += route.latencyPicos();
                double cap = Double.POSITIVE_INFINITY;
                boolean crossesNodes = to != null && to.nodeIndex() != stage.from().get(f).nodeIndex();
                double message = crossesNodes ? stage.scaleOutMessageBytes() : stage.messageBytes();
                if (to == null) {
                    cap = link.inSwitchReductionBytesPerSecond() * link.collectiveEfficiency(stage.messageBytes());
                    allCurves &= link.hasCollectiveCurve();
                } else if (link != null && link.hasCollectiveCurve() && stage.curves()) {
                    // the curve scales the route's own bottleneck: a switch port, or one peer link of a full mesh
                    cap = bottleneck(route) * link.collectiveEfficiency(message);
                } else {
                    allCurves = false;
                    if (crossesNodes && stage.scaleOutEfficiency() < 1) {
                        cap = bottleneck(route) * stage.scaleOutEfficiency();
                    }
                }
                double b = stage.bytes().get(f);
                bytesSent += b;
                activities[next++] = new Activity("collective flow", b, route.hopsArray(), cap, onFlowDone);
            }
            if (stage.chainLatency() && stage.from().size() > 0) {
                stepLatency = Math.round(latencySum / stage.from().size());
            }
            latency[0] += allCurves ? 0 : stage.steps() * stepLatency;
        }
        solver.startAll(activities);
    }
}
