package io.xpusim.metrics;

/**
 * Peak memory of the most loaded device of one pipeline stage, by what it holds.
 *
 * @param device device profile name
 */
public record StageMemory(int stage, String device, double weightsBytes, double gradientsBytes, double optimizerBytes,
                          double activationsBytes, double capacityBytes) {

    public double totalBytes() {
        return weightsBytes + gradientsBytes + optimizerBytes + activationsBytes;
    }

    public boolean fits() {
        return totalBytes() <= capacityBytes;
    }
}
