package io.xpusim.training;

import io.xpusim.hardware.Device;
import java.util.List;

/**
 * Everything a training step needs that does not change from step to step: per stage, its task order, the
 * devices and communication groups of the simulated replica, and the cost of each pass per model chunk.
 * Block {@code b = chunk·pp + stage} is the b-th slice of the model's layers in forward order.
 *
 * @param zero3 parameters are sharded and gathered before each pass
 */
public record StepPlan(List<Stage> stages, int virtualStages, boolean zero3) {

    public int blocks() {
        return stages.size() * virtualStages;
    }

    public int block(int chunk, int stage) {
        return chunk * stages.size() + stage;
    }

    public int stageOf(int block) {
        return block % stages.size();
    }

    public int chunkOf(int block) {
        return block / stages.size();
    }

    /**
     * One pipeline stage of the simulated replica. Arrays are indexed by chunk (virtual stage). Bytes are per
     * device.
     *
     * @param computeGroup     the stage's devices in the simulated replica (tp·cp of them); they also send and
     *                         receive pipeline activations, each to its counterpart in the next stage
     * @param tensorGroups     its tensor-parallel groups (one per context rank)
     * @param contextGroups    its context-parallel groups (one per tensor rank)
     * @param dataGroups       groups that reduce gradients: one per tensor rank, spanning every replica and context rank
     * @param tpBytes          bytes of one tensor-parallel collective
     * @param sendBytesPerRank bytes each device sends per micro-batch boundary
     * @param bucketsPerChunk  gradient buckets reduced during a backward (overlapped reduction)
     * @param offloadGradientBytes  gradient bytes of one device's optimizer shard (offload copies to the host)
     * @param offloadParameterBytes 16-bit parameter bytes of that shard (copied back after the host step)
     * @param hostAdamBytes    host-memory bytes the offloaded optimizer moves for one device's shard, scaled for the
     *                         devices of the node that are not simulated
     * @param hostAdamCapBytesPerSecond the most host-memory bytes per second the CPUs' Adam can consume for this device
     * @param tiedEmbeddingGradientBytes gradient bytes of the word embedding this end stage shares with the other end
     *                         (tied input embedding and LM head with pp > 1), all-reduced between them; else 0
     * @param expertGroup      expert parallelism (ep &gt; 1): the simulated replica's expert-parallel group, ep
     *                         consecutive data-parallel ranks of this stage, which dispatch and combine tokens by
     *                         all-to-all; empty without it
     * @param expertDataGroups the groups reducing the routed experts' gradients: every ep-th data-parallel rank
     *                         (dp / ep each, ep groups); empty without expert parallelism (the experts reduce over
     *                         {@code dataGroups} with everything else)
     * @param moeLayersPerChunk MoE layers in each chunk
     * @param expertBytesPerPeer bytes each rank sends each other rank of its group in one all-to-all of one MoE layer
     * @param chunkExpertParameterBytes routed-expert parameter bytes per chunk on one device (under expert
     *                         parallelism; the other arrays then hold the rest)
     * @param chunkExpertGradientBytes  their gradient bytes
     * @param optimizerStateBytes fp32 optimizer-state bytes (master weights and both Adam moments) of one device's
     *                         shard: what an NVMe offload reads into host memory and writes back every step
     * @param hostScale        devices of the job on this stage's node per simulated device there: the factor host-side
     *                         work (host memory, NVMe) of one simulated device stands for
     */
    public record Stage(int index, int layers, List<PipelineTask> order, List<Device> computeGroup,
                        List<List<Device>> tensorGroups, List<List<Device>> contextGroups, List<List<Device>> dataGroups,
                        double[] forwardSeconds, double[] backwardSeconds, double[] recomputeSeconds,
                        int[] forwardTpCollectivesPerChunk, int[] backwardTpCollectivesPerChunk,
                        int[] recomputeTpCollectivesPerChunk, double tpBytes, double[] contextBytesPerChunk,
                        double sendBytesPerRank, double[] chunkParameterBytes, double[] chunkGradientBytes,
                        int[] bucketsPerChunk, double optimizerDeviceSeconds, double offloadGradientBytes,
                        double offloadParameterBytes, double hostAdamBytes, double hostAdamCapBytesPerSecond,
                        double tiedEmbeddingGradientBytes, List<Device> expertGroup, List<List<Device>> expertDataGroups,
                        int[] moeLayersPerChunk, double expertBytesPerPeer, double[] chunkExpertParameterBytes,
                        double[] chunkExpertGradientBytes, double optimizerStateBytes, double hostScale) {

        /** 16-bit parameter bytes of the whole stage on one device. */
        public double parameterBytes() {
            double sum = 0;
            for (double b : chunkParameterBytes) {
                sum += b;
            }
            return sum;
        }

        /** Routed-expert parameter bytes of the whole stage on one device (0 without expert parallelism). */
        public double expertParameterBytes() {
            return sum(chunkExpertParameterBytes);
        }

        /** Routed-expert gradient bytes of the whole stage on one device (0 without expert parallelism). */
        public double expertGradientBytes() {
            return sum(chunkExpertGradientBytes);
        }

        private static double sum(double[] bytes) {
            double s = 0;
            for (double b : bytes) {
                s += b;
            }
            return s;
        }

        /** Whether routed experts are spread over an expert-parallel group. */
        public boolean expertParallel() {
            return !expertGroup.isEmpty();
        }

        /** Gradient bytes of the whole stage on one device. */
        public double gradientBytes() {
            double sum = 0;
            for (double b : chunkGradientBytes) {
                sum += b;
            }
            return sum;
        }
    }
}
