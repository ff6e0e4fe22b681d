package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The checks a self-contained report must pass, without a browser: it parses as XML (so every tag is closed
 * and nested, every entity valid), has {@code <html lang>}, one non-empty {@code <title>}, no scripts, frames
 * or stylesheets by reference, no attribute pointing outside the file, in-page links that resolve, and every
 * {@code <img>} an alt text and a data URI that decodes to a PNG of positive size.
 */
public final class HtmlChecks {
    private HtmlChecks() {
    }

    /** Checks {@code file}; returns the number of embedded images. */
    public static int check(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("<!DOCTYPE html>\n"), "HTML5 doctype first");
        assertFalse(text.contains("url("), "no CSS url() references");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setExpandEntityReferences(false);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(null);
        Document doc;
        try {
            doc = b.parse(new ByteArrayInputStream(bytes));
        } catch (org.xml.sax.SAXParseException e) {
            fail(file + ":" + e.getLineNumber() + ":" + e.getColumnNumber() + ": not well-formed: " + e.getMessage());
            return 0;
        }
        Element html = doc.getDocumentElement();
        assertEquals("html", html.getTagName());
        assertFalse(html.getAttribute("lang").isBlank(), "<html lang=…>");
        NodeList titles = doc.getElementsByTagName("title");
        assertEquals(1, titles.getLength(), "exactly one <title>");
        assertFalse(titles.item(0).getTextContent().isBlank(), "a non-empty title");
        boolean charset = false;
        NodeList metas = doc.getElementsByTagName("meta");
        for (int i = 0; i < metas.getLength(); i++) {
            charset |= "utf-8".equalsIgnoreCase(((Element) metas.item(i)).getAttribute("charset"));
        }
        assertTrue(charset, "<meta charset=\"utf-8\"/>");
        for (String banned : new String[] {"script", "iframe", "object", "embed", "link", "base", "frame"}) {
            assertEquals(0, doc.getElementsByTagName(banned).getLength(), "no <" + banned + ">");
        }
        Set<String> ids = new HashSet<>();
        Set<String> anchors = new HashSet<>();
        walk(html, ids, anchors);
        for (String a : anchors) {
            assertTrue(ids.contains(a), "in-page link #" + a + " has a target");
        }
        NodeList imgs = doc.getElementsByTagName("img");
        for (int i = 0; i < imgs.getLength(); i++) {
            Element img = (Element) imgs.item(i);
            assertFalse(img.getAttribute("alt").isBlank(), "every <img> has alt text");
            String src = img.getAttribute("src");
            String prefix = "data:image/png;base64,";
            assertTrue(src.startsWith(prefix), "an embedded PNG, not " + src.substring(0, Math.min(40, src.length())));
            byte[] png = Base64.getDecoder().decode(src.substring(prefix.length()));
            assertTrue(png.length > 33 && (png[0] & 0xff) == 0x89 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G',
                    "decodes to a PNG");
            ByteBuffer ihdr = ByteBuffer.wrap(png, 16, 8);
            assertTrue(ihdr.getInt() > 0 && ihdr.getInt() > 0, "the PNG has a size");
        }
        return imgs.getLength();
    }

    private static void walk(Node n, Set<String> ids, Set<String> anchors) {
        if (n instanceof Element e) {
            NamedNodeMap attrs = e.getAttributes();
            for (int i = 0; i < attrs.getLength(); i++) {
                String name = attrs.item(i).getNodeName();
                String v = attrs.item(i).getNodeValue();
                if (name.equals("id")) {
                    assertTrue(ids.add(v), "id " + v + " is unique");
                } else if (name.equals("href")) {
                    assertTrue(v.startsWith("#"), "only in-page links, not " + v);
                    anchors.add(v.substring(1));
                } else if (!name.equals("xmlns") && !name.equals("src")) {
                    assertFalse(v.contains("://") || v.startsWith("//"), "no external reference in " + name + "=" + v);
                }
            }
        }
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            walk(c, ids, anchors);
        }
    }
}
