package io.xpusim.scenario;

import java.util.Collection;

/** Suggests the closest known word for a typo (edit distance, case-insensitive). */
final class DidYouMean {
    private DidYouMean() {
    }

    /** The closest candidate within a distance of max(2, length/3), or null. */
    static String closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String w = word.toLowerCase(java.util.Locale.ROOT);
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, word.length() / 3) ? best : null;
    }

    /** The hint text: "did you mean 'x'?" or the list of known words. */
    static String hint(String word, Collection<String> candidates) {
        String c = closest(word, candidates);
        if (c != null) {
            return "did you mean '" + c + "'?";
        }
        return candidates.isEmpty() ? null : "known: " + String.join(", ", candidates);
    }

    private static int distance(String a, String b) {
        if (a.length() > 64 || b.length() > 64) {
            return Integer.MAX_VALUE / 2;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
