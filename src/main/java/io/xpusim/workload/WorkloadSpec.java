package io.xpusim.workload;

import io.xpusim.kernel.RandomStreams;
import java.nio.file.Path;

/** A serving workload as configured: synthetic or a trace replay. {@link #open} starts the request stream. */
public sealed interface WorkloadSpec {
    RequestSource open(RandomStreams random);

    /** Requests from distributions; each uses its own named random stream. */
    record Synthetic(ArrivalSpec arrivals, LengthSpec input, LengthSpec output, long maxRequests, long durationPicos)
            implements WorkloadSpec {
        public RequestSource open(RandomStreams random) {
            return new SyntheticSource(arrivals.create(random.stream("arrivals")),
                    input.create(random.stream("input-tokens")), output.create(random.stream("output-tokens")),
                    maxRequests, durationPicos);
        }
    }

    /** Replay of a trace file in a known format. */
    record Trace(TraceFormat format, Path file, TraceOptions options) implements WorkloadSpec {
        public RequestSource open(RandomStreams random) {
            return switch (format) {
                case AZURE_CSV -> new AzureTraceSource(file, options);
                case MOONCAKE_JSONL -> new MooncakeTraceSource(file, options);
            };
        }
    }

    /** Trace file formats and their YAML names. */
    enum TraceFormat {
        AZURE_CSV("azure-csv"), MOONCAKE_JSONL("mooncake-jsonl");

        private final String yamlName;

        TraceFormat(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }
    }
}
