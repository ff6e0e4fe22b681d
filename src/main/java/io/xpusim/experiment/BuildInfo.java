package io.xpusim.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version and git commit xpusim was built from, read from {@code io/xpusim/build.properties}, which the
 * build writes (Maven's version; {@code git rev-parse HEAD} at build time, {@code -dirty} when sources had
 * uncommitted changes). Never runs git itself; "unknown" when built without git or run from bare classes.
 */
public record BuildInfo(String version, String commit) {
    private static final BuildInfo CURRENT = load();

    public static BuildInfo current() {
        return CURRENT;
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/io/xpusim/build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // provenance is best effort: a report still says "unknown"
        }
        String commit = p.getProperty("commit", "unknown");
        if (!commit.equals("unknown") && "true".equals(p.getProperty("dirty"))) {
            commit += "-dirty";
        }
        return new BuildInfo(p.getProperty("version", "unknown"), commit);
    }
}
