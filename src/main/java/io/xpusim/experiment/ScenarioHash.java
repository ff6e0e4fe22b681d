package io.xpusim.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xpusim.scenario.Scenario;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a scenario's resolved form (every profile inlined, every default filled, the seed included) as
 * lowercase hex: two runs with the same hash simulate the same thing, which is what lets a sweep reuse results.
 */
public final class ScenarioHash {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScenarioHash() {
    }

    public static String of(Scenario s) {
        try {
            byte[] canonical = JSON.writeValueAsString(s.resolvedYaml()).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash the resolved scenario", e);
        }
    }
}
