package io.xpusim.cli;

import io.xpusim.experiment.Shard;

/** The --shard, --threads and output-folder handling shared by sweep and plan. */
final class Shards {
    private Shards() {
    }

    static Shard parse(String text) {
        if (text == null) {
            return Shard.ALL;
        }
        Shard s = Shard.parse(text);
        if (s == null) {
            throw new Main.UserError("--shard '" + text + "' is not i/N with 0 ≤ i < N (e.g. --shard 0/4; Slurm: "
                    + "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)");
        }
        return s;
    }

    /**
     * Opens (creating if needed) a resumable output folder; a path that is a file is the user's error, and so is a folder
     * holding {@code foreign} — the manifest of the other kind of resumable output (a plan's in a sweep's folder, or
     * back), whose report and charts this one would overwrite.
     */
    static void openFolder(java.nio.file.Path dir, String foreign) throws java.io.IOException {
        if (java.nio.file.Files.exists(dir.resolve(foreign))) {
            throw new Main.UserError("--out " + dir + " holds a " + (foreign.startsWith("plan") ? "plan" : "sweep")
                    + " (" + foreign + "); give each sweep and plan a folder of its own");
        }
        try {
            io.xpusim.experiment.ResumableFolder.open(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new Main.UserError("--out " + dir + " exists and is not a folder");
        }
    }

    static int threads(Integer threads) {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        if (threads < 1 || threads > 1024) {
            throw new Main.UserError("--threads must be between 1 and 1024, not " + threads);
        }
        return threads;
    }
}
