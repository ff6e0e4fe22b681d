package io.xpusim.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded text mutations of the kinds hostile or careless input takes. */
final class Mutator {
    private static final String[] GARBAGE_VALUES = {
        "NaN", "-1", "0", "-0.0", "1e309", "99999999999999999999999", "9223372036854775808", "-9223372036854775809",
        "1e-320", ".inf", "-.inf", "~", "null", "true", "on", "010", "0x1F", "''", "\"\"", "[]", "{}", "[1, 2]",
        "{a: 1}", "5 GB", "5 /s", "5/fortnight", "10 TFLOP/s", "3.35 TB/ss", "µs", "1e3ms", "-5s", "2min", "∞",
        "😀", "\\u0000", "x".repeat(70_000), "1" + "0".repeat(400), "!!binary aGk=", "*alias", "&anchor 1"
    };
    private static final String[] UNITS = {"", " ", "GB", "GiB", "/s", "ms", "us", "TB/s", "W", "bogus", "%", "e", "e+"};

    private final SplittableRandom rnd;

    Mutator(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    byte[] mutate(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int kind = rnd.nextInt(12);
        switch (kind) {
            case 0 -> { // delete a line (a key, or part of a flow mapping)
                if (!lines.isEmpty()) {
                    lines.remove(rnd.nextInt(lines.size()));
                }
            }
            case 1 -> replaceValue(lines, GARBAGE_VALUES[rnd.nextInt(GARBAGE_VALUES.length)]);
            case 2 -> { // unit garbage: keep the number, change the unit
                replaceValue(lines, rnd.nextInt(100_000) + UNITS[rnd.nextInt(UNITS.length)]);
            }
            case 3 -> { // type swap: value becomes a list or mapping
                replaceValue(lines, rnd.nextBoolean() ? "[x, y]" : "{k: v}");
            }
            case 4 -> { // deep nesting
                int depth = 10 + rnd.nextInt(200);
                replaceValue(lines, "[".repeat(depth) + "1" + "]".repeat(depth));
            }
            case 5 -> { // truncation
                String joined = String.join("\n", lines);
                return joined.substring(0, rnd.nextInt(joined.length() + 1)).getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> { // binary junk somewhere
                byte[] b = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
                byte[] out = b.clone();
                for (int i = 0; i < 1 + rnd.nextInt(8) && out.length > 0; i++) {
                    out[rnd.nextInt(out.length)] = (byte) rnd.nextInt(256);
                }
                return out;
            }
            case 7 -> { // duplicate a line (duplicate keys)
                if (!lines.isEmpty()) {
                    int i = rnd.nextInt(lines.size());
                    lines.add(i, lines.get(i));
                }
            }
            case 8 -> { // rename a key: typos
                int i = rnd.nextInt(Math.max(1, lines.size()));
                if (i < lines.size()) {
                    lines.set(i, lines.get(i).replaceFirst("([a-z])([a-z-]*):", "$2$1:"));
                }
            }
            case 9 -> { // indentation damage
                int i = rnd.nextInt(Math.max(1, lines.size()));
                if (i < lines.size()) {
                    lines.set(i, " ".repeat(rnd.nextInt(5)) + lines.get(i).stripLeading());
                }
            }
            case 10 -> { // several value mutations at once
                for (int n = 0; n < 3; n++) {
                    replaceValue(lines, GARBAGE_VALUES[rnd.nextInt(GARBAGE_VALUES.length)]);
                }
            }
            default -> { // extra unknown key or YAML constructs
                String[] extra = {"bogus: 1", "<<: {a: 1}", "---\nsecond: doc", "a: &x 1\nb: *x", "? complex\n: key",
                    "%YAML 1.1", "key: !!python/object:os.system ls", "\t tab: 1"};
                lines.add(rnd.nextInt(lines.size() + 1), extra[rnd.nextInt(extra.length)]);
            }
        }
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    /** Replaces the value of a random "key: value" occurrence (block or flow style). */
    private void replaceValue(List<String> lines, String value) {
        for (int attempt = 0; attempt < 20 && !lines.isEmpty(); attempt++) {
            int i = rnd.nextInt(lines.size());
            String line = lines.get(i);
            List<int[]> spots = new ArrayList<>();
            for (int c = 0; c < line.length() - 1; c++) {
                if (line.charAt(c) == ':' && line.charAt(c + 1) == ' ') {
                    int end = c + 2;
                    while (end < line.length() && ",}]#".indexOf(line.charAt(end)) < 0) {
                        end++;
                    }
                    spots.add(new int[] {c + 2, end});
                }
            }
            if (!spots.isEmpty()) {
                int[] s = spots.get(rnd.nextInt(spots.size()));
                lines.set(i, line.substring(0, s[0]) + value + line.substring(s[1]));
                return;
            }
        }
    }

    /** A mutated trace line set: corrupts, reorders or truncates lines of a trace text. */
    byte[] mutateTrace(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int i = 1 + rnd.nextInt(Math.max(1, lines.size() - 1));
        if (i >= lines.size()) {
            i = lines.size() - 1;
        }
        switch (rnd.nextInt(6)) {
            case 0 -> lines.set(i, lines.get(i).replaceFirst("[0-9]+", GARBAGE_VALUES[rnd.nextInt(GARBAGE_VALUES.length)]));
            case 1 -> lines.set(i, lines.get(i).substring(0, rnd.nextInt(lines.get(i).length() + 1)));
            case 2 -> lines.add(i, lines.remove(Math.max(1, i - 1))); // swap neighbours: may go back in time
            case 3 -> lines.set(0, "garbage header");
            case 4 -> lines.set(i, "\u0000\u0001\uFFFF");
            default -> lines.set(i, lines.get(i) + ",extra");
        }
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }
}
