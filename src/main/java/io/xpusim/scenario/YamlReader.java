package io.xpusim.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads one YAML document into {@link YamlNode}s with line and column for every value, through Jackson's
 * streaming YAML parser with explicit limits. Rejected, each with a located message: documents over
 * {@link #MAX_BYTES}, nesting deeper than {@link #MAX_DEPTH}, strings over {@link #MAX_STRING}, aliases and
 * anchors (no alias bombs, no shared structure), explicit tags (no type instantiation from input),
 * duplicate keys, non-UTF-8 bytes, and more than one document.
 */
public final class YamlReader {
    public static final int MAX_BYTES = 4 * 1024 * 1024;
    public static final int MAX_DEPTH = 32;
    public static final int MAX_STRING = 64 * 1024;
    private static final YAMLFactory FACTORY = factory();

    private YamlReader() {
    }

    private static YAMLFactory factory() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with both locations
        options.setMaxAliasesForCollections(0);
        options.setNestingDepthLimit(MAX_DEPTH + 8);
        options.setCodePointLimit(MAX_BYTES);
        options.setAllowRecursiveKeys(false);
        return YAMLFactory.builder()
                .loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder()
                        // our own located depth check (MAX_DEPTH) fires first; this is the backstop
                        .maxStringLength(MAX_STRING).maxNestingDepth(MAX_DEPTH + 8).maxNumberLength(100).build())
                .build();
    }

    /** Reads a file; a missing or unreadable file is a {@link ScenarioException} at line 1. */
    public static YamlNode readFile(Path file, String displayName) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ScenarioException(new Location(displayName, 1, 1),
                        "file is larger than " + (MAX_BYTES >> 20) + " MiB", "a scenario or profile is a short text file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ScenarioException(new Location(displayName, 1, 1), "file not found", "check the path");
        } catch (IOException e) {
            throw new ScenarioException(new Location(displayName, 1, 1), "cannot read file: " + e.getMessage(), null);
        }
        return read(bytes, displayName);
    }

    public static YamlNode read(byte[] bytes, String displayName) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ScenarioException(new Location(displayName, 1, 1), "file is not UTF-8 text", "save it as UTF-8");
        }
        if (text.indexOf('\0') >= 0) {
            throw new ScenarioException(new Location(displayName, 1, 1), "file contains NUL bytes; it is not text", null);
        }
        if (text.length() > MAX_BYTES) {
            throw new ScenarioException(new Location(displayName, 1, 1), "file is too large", null);
        }
        return read(text, displayName);
    }

    public static YamlNode read(String text, String displayName) {
        try (YAMLParser p = (YAMLParser) FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new ScenarioException(new Location(displayName, 1, 1), "file is empty", "write a YAML mapping");
            }
            YamlNode root = readValue(p, displayName, 0);
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new ScenarioException(loc(p, displayName), "more than one YAML document in the file",
                        "remove the '---' and what follows it");
            }
            return root;
        } catch (ScenarioException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw syntaxError(e, displayName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            // SnakeYAML signals its own limits (code points, nesting, aliases) with unchecked exceptions
            throw new ScenarioException(new Location(displayName, 1, 1), "invalid YAML: " + firstLine(e.getMessage()), null);
        }
    }

    private static final java.util.regex.Pattern MARK = java.util.regex.Pattern.compile(" in '[^']*', line (\\d+), column (\\d+):");

    /**
     * SnakeYAML reports "while parsing X" (context) then the problem, each followed by its own mark; the
     * problem and its mark are what the user needs.
     */
    private static ScenarioException syntaxError(JsonProcessingException e, String file) {
        JsonLocation l = e.getLocation();
        int line = l == null ? 1 : Math.max(1, l.getLineNr());
        int column = l == null ? 1 : Math.max(1, l.getColumnNr());
        String context = null;
        String problem = null;
        String[] lines = String.valueOf(e.getOriginalMessage()).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String text = lines[i];
            if (text.isBlank() || Character.isWhitespace(text.charAt(0))) {
                continue;
            }
            if (text.startsWith("while ") && problem == null) {
                context = text.strip();
                continue;
            }
            problem = text.strip();
            if (i + 1 < lines.length) {
                java.util.regex.Matcher m = MARK.matcher(lines[i + 1]);
                if (m.matches()) {
                    line = Integer.parseInt(m.group(1));
                    column = Integer.parseInt(m.group(2));
                }
            }
        }
        if (problem == null) {
            problem = context == null ? "unreadable document" : context;
            context = null;
        }
        if (problem.length() > 200) {
            problem = problem.substring(0, 200) + "…";
        }
        String hint;
        if (problem.startsWith("mapping values are not allowed")) {
            hint = "a ': ' inside a value, or a key indented under a value; quote the value or fix the indentation";
        } else if (problem.contains("',' or ']'")) {
            hint = "close the [ … ] list";
        } else if (problem.contains("',' or '}'")) {
            hint = "close the { … } mapping";
        } else if (problem.contains("end of stream") && context != null && context.contains("quoted")) {
            hint = "close the quote";
        } else {
            hint = "check the indentation and brackets";
        }
        return new ScenarioException(new Location(file, line, column),
                "invalid YAML: " + problem + (context == null ? "" : " (" + context + ")"), hint);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable document";
        }
        int cut = s.indexOf('\n');
        return (cut > 0 ? s.substring(0, cut) : s).strip();
    }

    private static YamlNode readValue(YAMLParser p, String file, int depth) throws IOException {
        Location at = loc(p, file);
        if (depth > MAX_DEPTH) {
            throw new ScenarioException(at, "nesting is deeper than " + MAX_DEPTH + " levels", null);
        }
        if (p.isCurrentAlias()) {
            throw new ScenarioException(at, "YAML aliases (*name) are not supported", "write the value out in full");
        }
        if (p.getCurrentAnchor() != null) {
            throw new ScenarioException(at, "YAML anchors (&name) are not supported", "write the value out in full");
        }
        if (p.getTypeId() != null) {
            throw new ScenarioException(at, "YAML tags (!" + p.getTypeId() + ") are not supported", "remove the tag");
        }
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                YamlNode.Mapping m = new YamlNode.Mapping(at);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Location keyAt = loc(p, file);
                    if (key.length() > 200) {
                        throw new ScenarioException(keyAt, "a key is " + key.length() + " characters long", "keys are short words");
                    }
                    if (m.get(key) != null) {
                        throw new ScenarioException(keyAt, "duplicate key '" + key + "' (first at line "
                                + m.keyLocations().get(key).line() + ")", "keep one of them");
                    }
                    p.nextToken();
                    m.put(key, readValue(p, file, depth + 1), keyAt);
                }
                return m;
            }
            case START_ARRAY -> {
                YamlNode.Sequence s = new YamlNode.Sequence(at);
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    s.items().add(readValue(p, file, depth + 1));
                }
                return s;
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar("", true, at);
            }
            default -> {
                String text = p.getText();
                if (text.length() > MAX_STRING) {
                    throw new ScenarioException(at, "a value is " + text.length() + " characters long; the limit is "
                            + MAX_STRING, "scenarios hold short values; long data belongs in a trace file");
                }
                return new YamlNode.Scalar(text, false, at);
            }
        }
    }

    private static Location loc(JsonParser p, String file) {
        JsonLocation l = p.currentTokenLocation();
        return new Location(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }
}
