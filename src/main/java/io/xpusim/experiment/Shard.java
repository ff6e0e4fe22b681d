package io.xpusim.experiment;

/**
 * A deterministic slice of a sweep or plan: shard {@code index} of {@code count} takes the points whose index
 * modulo {@code count} is {@code index} (0-based, like Slurm's {@code --array=0-N} and Kubernetes' completion
 * index), so the shards together cover every point exactly once and each shard's cost is balanced.
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count);
        }
    }

    /** Parses {@code i/N}; null when malformed or out of range. */
    public static Shard parse(String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length != 2) {
            return null;
        }
        try {
            int i = Integer.parseInt(parts[0].strip());
            int n = Integer.parseInt(parts[1].strip());
            return n >= 1 && i >= 0 && i < n ? new Shard(i, n) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public boolean owns(int point) {
        return point % count == index;
    }

    public boolean isAll() {
        return count == 1;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
