package io.xpusim.model;

/** The feed-forward block: SwiGLU has three matrices (gate, up, down), GELU/ReLU two (fc1, fc2). */
public enum MlpKind {
    SWIGLU(3), GELU(2);

    private final int matrices;

    MlpKind(int matrices) {
        this.matrices = matrices;
    }

    public int matrices() {
        return matrices;
    }
}
