package io.xpusim.serving;

import java.util.List;
import java.util.Locale;

/**
 * Prefill/decode disaggregation, in one of two forms.
 *
 * <p>{@link Mode#POOLS} (DistServe, Splitwise): a pool of prefill replicas that run prompts only and a pool of decode
 * replicas that continue from the first token, each pool a list of replica groups with its own tp, pp and (through
 * the devices it lands on) device type — and, for mixture-of-experts models, its own attention-DP and expert-parallel
 * degrees (DeepSeek serves prefill at EP32 and decode at EP144). Devices are assigned in order: the prefill groups first, then the decode
 * groups. The prompt KV moves whole after the prefill, or layer by layer as each layer's prefill finishes.
 *
 * <p>{@link Mode#SAME_GPU}: every replica of the colocated layout runs a prefill engine and a decode engine on the same
 * devices, concurrently, the prefill one limited to {@code prefillShare} of the compute and the decode one to the rest
 * (SM partitioning with MPS or green contexts); they share the KV cache, so no KV moves.
 */
public record Disaggregation(Mode mode, List<ReplicaGroup> prefill, List<ReplicaGroup> decode, KvTransfer kvTransfer,
                             double prefillShare) {
    /** Separate pools or one device shared by the two phases. */
    public enum Mode {
        POOLS, SAME_GPU;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** How the prompt KV moves from a prefill to a decode replica. */
    public enum KvTransfer {
        /** After the prefill iteration, all of it at once. */
        WHOLE,
        /** Layer l's KV as soon as layer l's prefill compute is done, overlapping the rest of the prefill. */
        LAYER_BY_LAYER;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static KvTransfer fromYaml(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
        }

        public static List<String> yamlNames() {
            return java.util.Arrays.stream(values()).map(KvTransfer::yamlName).toList();
        }
    }

    public Disaggregation {
        if (mode == Mode.POOLS && (prefill.isEmpty() || decode.isEmpty())) {
            throw new IllegalArgumentException("disaggregation needs at least one replica group in each pool");
        }
        if (mode == Mode.SAME_GPU && !(prefillShare > 0 && prefillShare < 1)) {
            throw new IllegalArgumentException("prefill-share must be in (0, 1), not " + prefillShare);
        }
        prefill = List.copyOf(prefill);
        decode = List.copyOf(decode);
    }

    /** Separate pools, the KV moving whole: {@code prefillReplicas} at {@code prefillTp}, likewise for decode. */
    public Disaggregation(int prefillReplicas, int prefillTp, int decodeReplicas, int decodeTp) {
        this(Mode.POOLS, List.of(new ReplicaGroup(prefillReplicas, prefillTp)),
                List.of(new ReplicaGroup(decodeReplicas, decodeTp)), KvTransfer.WHOLE, Double.NaN);
    }

    public static Disaggregation pools(List<ReplicaGroup> prefill, List<ReplicaGroup> decode, KvTransfer kv) {
        return new Disaggregation(Mode.POOLS, prefill, decode, kv, Double.NaN);
    }

    public static Disaggregation sameGpu(double prefillShare) {
        return new Disaggregation(Mode.SAME_GPU, List.of(), List.of(), KvTransfer.WHOLE, prefillShare);
    }

    public boolean sameGpu() {
        return mode == Mode.SAME_GPU;
    }

    /** Devices both pools take (0 for same-gpu, which uses the colocated layout's). */
    public int devices() {
        return prefill.stream().mapToInt(ReplicaGroup::devices).sum() + decode.stream().mapToInt(ReplicaGroup::devices).sum();
    }

    public int prefillReplicas() {
        return prefill.stream().mapToInt(ReplicaGroup::replicas).sum();
    }

    public int decodeReplicas() {
        return decode.stream().mapToInt(ReplicaGroup::replicas).sum();
    }

    /** The serving config of the prefill pool's (first) group, from the shared one (same-GPU: the shared one). */
    public ServingConfig prefillConfig(ServingConfig c) {
        return sameGpu() ? c : prefill.get(0).config(c);
    }

    /** The serving config of the decode pool's (first) group, from the shared one (same-GPU: the shared one). */
    public ServingConfig decodeConfig(ServingConfig c) {
        return sameGpu() ? c : decode.get(0).config(c);
    }

    /** "2 prefill replicas at tp=1, 1 decode replica at tp=1"-style words for messages, every group listed. */
    public String describe() {
        return describe(prefill, "prefill") + ", " + describe(decode, "decode");
    }

    private static String describe(List<ReplicaGroup> groups, String role) {
        StringBuilder sb = new StringBuilder();
        for (ReplicaGroup g : groups) {
            if (sb.length() > 0) {
                sb.append(" + ");
            }
            sb.append(String.format(Locale.ROOT, "%d %s replica%s at tp=%d", g.replicas(), role, g.replicas() == 1 ? "" : "s",
                    g.tp()));
            if (g.pp() > 1) {
                sb.append(String.format(Locale.ROOT, " pp=%d", g.pp()));
            }
            if (g.attentionDp() > 1) {
                sb.append(String.format(Locale.ROOT, " attention-dp=%d", g.attentionDp()));
            }
            if (g.ep() > 1) {
                sb.append(String.format(Locale.ROOT, " ep=%d", g.ep()));
            }
        }
        return sb.toString();
    }
}
