package io.xpusim.serving;

import java.util.Arrays;
import java.util.List;

/**
 * Batch-scheduler settings of one replica.
 *
 * @param policy           registered scheduler name, e.g. {@code vllm}
 * @param maxBatchedTokens most new tokens one iteration may process (sarathi: the per-iteration token budget
 *                         that decodes and prompt chunks share)
 * @param maxSeqs          most sequences running at once
 * @param blockTokens      tokens per KV-cache block (page)
 * @param watermark        fraction of KV blocks kept free when admitting new prompts (avoids thrashing; paged
 *                         policies only)
 * @param kvReserve        how much output a reserving policy (static, orca) sets KV aside for at admission
 * @param maxModelLen      longest prompt + output a request may have (strategy.max-model-len), the most any
 *                         reservation holds
 * @param prefixHashTokens tokens one trace prefix hash covers (Mooncake: 512) when automatic prefix caching is
 *                         on (paged policies only), 0 when it is off
 * @param admission        the order waiting requests are admitted in (fcfs, sjf by prompt length, priority)
 */
public record SchedulerConfig(String policy, int maxBatchedTokens, int maxSeqs, int blockTokens, double watermark,
                              KvReserve kvReserve, int maxModelLen, int prefixHashTokens,
                              AdmissionOrder admission) {

    /** Tokens per Mooncake {@code hash_ids} block (Mooncake FAST'25 trace format). */
    public static final int MOONCAKE_HASH_TOKENS = 512;

    /** Settings with FCFS admission. */
    public SchedulerConfig(String policy, int maxBatchedTokens, int maxSeqs, int blockTokens, double watermark,
                           KvReserve kvReserve, int maxModelLen, int prefixHashTokens) {
        this(policy, maxBatchedTokens, maxSeqs, blockTokens, watermark, kvReserve, maxModelLen, prefixHashTokens,
                AdmissionOrder.FCFS);
    }

    /** Settings without prefix caching. */
    public SchedulerConfig(String policy, int maxBatchedTokens, int maxSeqs, int blockTokens, double watermark,
                           KvReserve kvReserve, int maxModelLen) {
        this(policy, maxBatchedTokens, maxSeqs, blockTokens, watermark, kvReserve, maxModelLen, 0);
    }

    public boolean prefixCaching() {
        return prefixHashTokens > 0;
    }

    /** These settings with automatic prefix caching over hash blocks of {@code hashTokens} tokens (0: off). */
    public SchedulerConfig withPrefixCaching(int hashTokens) {
        return new SchedulerConfig(policy, maxBatchedTokens, maxSeqs, blockTokens, watermark, kvReserve, maxModelLen,
                hashTokens, admission);
    }

    /** These settings admitting waiting requests in {@code order}. */
    public SchedulerConfig withAdmission(AdmissionOrder order) {
        return new SchedulerConfig(policy, maxBatchedTokens, maxSeqs, blockTokens, watermark, kvReserve, maxModelLen,
                prefixHashTokens, order);
    }

    /** Settings with oracle reservations and no context limit beyond the requests' own lengths. */
    public SchedulerConfig(String policy, int maxBatchedTokens, int maxSeqs, int blockTokens, double watermark) {
        this(policy, maxBatchedTokens, maxSeqs, blockTokens, watermark, KvReserve.ORACLE, Integer.MAX_VALUE);
    }

    /**
     * Output tokens a reserving policy sets KV aside for, the three variants of the Orca baseline in the vLLM
     * paper (Kwon et al., SOSP'23, §6.2): the request's true output length, that length rounded up to a
     * power of two, or everything up to max-model-len. Never less than the output itself.
     */
    public enum KvReserve {
        /** The true output length, as if the client's max_tokens were exact ("Orca (Oracle)"). */
        ORACLE("oracle"),
        /** The output length rounded up to a power of two, over-reserving by less than 2× ("Orca (Pow2)"). */
        POW2("pow2"),
        /** Up to max-model-len, what a server must reserve when it cannot know the output length ("Orca (Max)"). */
        MAX("max");

        private final String yamlName;

        KvReserve(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }

        public static List<String> yamlNames() {
            return Arrays.stream(values()).map(KvReserve::yamlName).toList();
        }

        public static KvReserve fromYaml(String name) {
            for (KvReserve k : values()) {
                if (k.yamlName.equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown kv-reserve '" + name + "'");
        }
    }

    /** KV tokens a reserving policy sets aside for a request: its prompt plus its reserved output. */
    public long reservedTokens(int prompt, int output) {
        return prompt + reservedOutputTokens(prompt, output);
    }

    /** Output tokens reserved for a request with this prompt and (true) output length. */
    public long reservedOutputTokens(int prompt, int output) {
        long room = Math.max((long) output, (long) maxModelLen - prompt);
        return switch (kvReserve) {
            case ORACLE -> output;
            case POW2 -> Math.min(room, output <= 1 ? output : Long.highestOneBit(output - 1L) << 1);
            case MAX -> room;
        };
    }
}
