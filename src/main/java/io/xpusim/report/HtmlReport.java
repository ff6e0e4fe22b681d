package io.xpusim.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A self-contained HTML report: one file with its styles inline and every chart embedded as a base64 data URI,
 * no scripts and no external references, so it opens anywhere (also offline, also as an e-mail attachment).
 * Written as polyglot HTML5/XHTML (void elements self-closed, only the five XML escapes), so an XML parser can
 * check it. Every piece of text passes through {@link #escape}.
 */
public final class HtmlReport {
    private static final String STYLE = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 72em;
                   padding: 0 1em; color: #1d1d1f; line-height: 1.45; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; }
            h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
            p.subtitle { color: #555; margin-top: 0; }
            nav a { margin-right: 1em; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
            th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
            th { background: #f3f5f7; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            figure { margin: 1em 0 2em; }
            figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { color: #555; font-size: 0.9em; }
            pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; max-height: 40em; }
            .bad { color: #b00020; }
            .wide { overflow-x: auto; }
            """;

    private final String title;
    private final String subtitle;
    private final List<String[]> sections = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();
    private boolean open;

    public HtmlReport(String title, String subtitle) {
        this.title = title;
        this.subtitle = subtitle;
    }

    /** Starts a section (closing the previous one); {@code id} is its in-page anchor. */
    public HtmlReport section(String id, String heading) {
        close();
        sections.add(new String[] {id, heading});
        body.append("<section id=\"").append(escape(id)).append("\">\n<h2>").append(escape(heading)).append("</h2>\n");
        open = true;
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A two-column table of names and values. */
    public HtmlReport keyValues(List<String[]> rows) {
        body.append("<table>\n<tbody>\n");
        for (String[] r : rows) {
            body.append("<tr><th scope=\"row\">").append(escape(r[0])).append("</th>").append(cell(r[1])).append("</tr>\n");
        }
        body.append("</tbody>\n</table>\n");
        return this;
    }

    /** A table with a header row; numeric-looking cells are right-aligned. */
    public HtmlReport table(List<String> header, List<List<String>> rows) {
        body.append("<div class=\"wide\">\n<table>\n<thead>\n<tr>");
        for (String h : header) {
            body.append("<th scope=\"col\">").append(escape(h)).append("</th>");
        }
        body.append("</tr>\n</thead>\n<tbody>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (String c : r) {
                body.append(cell(c));
            }
            body.append("</tr>\n");
        }
        body.append("</tbody>\n</table>\n</div>\n");
        return this;
    }

    /** Embeds a chart file (PNG or SVG) as a data URI with its alternative text and a caption. */
    public HtmlReport image(Path file, String alt, String caption) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String type = file.getFileName().toString().endsWith(".svg") ? "image/svg+xml" : "image/png";
        body.append("<figure>\n<img src=\"data:").append(type).append(";base64,")
                .append(Base64.getEncoder().encodeToString(bytes)).append("\" alt=\"").append(escape(alt)).append("\"/>\n");
        if (caption != null && !caption.isEmpty()) {
            body.append("<figcaption>").append(escape(caption)).append("</figcaption>\n");
        }
        body.append("</figure>\n");
        return this;
    }

    /**
     * A "Charts" section embedding each of {@code files} (names in {@code dir}); the alternative text is the file
     * name in words followed by {@code ofWhat} ("chart of quickstart"). Nothing when there are none.
     */
    public HtmlReport charts(Path dir, List<String> files, String ofWhat) throws IOException {
        if (!files.isEmpty()) {
            section("charts", "Charts");
            for (String c : files) {
                image(dir.resolve(c), c.replaceAll("\\.(png|svg)$", "").replace('_', ' ') + " " + ofWhat, c);
            }
        }
        return this;
    }

    /** A section showing a scenario file as written (run.yaml), with a note on what it is; nothing if it is absent. */
    public HtmlReport scenarioFile(Path file, String heading, String note) throws IOException {
        if (Files.exists(file)) {
            section("scenario", heading);
            paragraph(note);
            preformatted(Files.readString(file));
        }
        return this;
    }

    /** Text shown as written (the resolved scenario, say). */
    public HtmlReport preformatted(String text) {
        body.append("<pre>").append(escape(text)).append("</pre>\n");
        return this;
    }

    /** The provenance table every report ends with. */
    public HtmlReport provenance(Provenance p) {
        section("provenance", "Provenance");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"xpusim version", p.version()});
        rows.add(new String[] {"git commit (at build time)", p.commit()});
        rows.add(new String[] {"seed", p.seed()});
        rows.add(new String[] {"SHA-256 of " + p.sha256Of(), p.sha256()});
        return keyValues(rows);
    }

    public String html() {
        close();
        StringBuilder b = new StringBuilder(body.length() + 4096);
        b.append("<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n")
                .append("</head>\n<body>\n<header>\n<h1>").append(escape(title)).append("</h1>\n");
        if (subtitle != null && !subtitle.isEmpty()) {
            b.append("<p class=\"subtitle\">").append(escape(subtitle)).append("</p>\n");
        }
        b.append("<nav>");
        for (String[] s : sections) {
            b.append("<a href=\"#").append(escape(s[0])).append("\">").append(escape(s[1])).append("</a> ");
        }
        b.append("</nav>\n</header>\n<main>\n").append(body).append("</main>\n</body>\n</html>\n");
        return b.toString();
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, html(), StandardCharsets.UTF_8);
    }

    /**
     * Escapes the five characters with a meaning in HTML and XML; drops the control characters XML forbids and
     * replaces the other characters it forbids (U+FFFE, U+FFFF, an unpaired surrogate) with U+FFFD.
     */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\r' -> b.append('\n');
                default -> {
                    if (c == '\n' || c == '\t' || c >= 0x20 && c < 0xD800 || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000) {
                        b.appendCodePoint(c);
                    } else if (c >= 0x20) {
                        b.append('\uFFFD'); // a lone surrogate, U+FFFE or U+FFFF
                    }
                }
            }
        }
        return b.toString();
    }

    private static String cell(String v) {
        boolean numeric = v != null && v.matches("[-+]?[0-9][0-9,.]*(e[-+]?[0-9]+)?( [A-Za-z%/µ]+)?(\\s*\\(.*\\))?");
        return (numeric ? "<td class=\"num\">" : "<td>") + escape(v) + "</td>";
    }

    private void close() {
        if (open) {
            body.append("</section>\n");
            open = false;
        }
    }
}
