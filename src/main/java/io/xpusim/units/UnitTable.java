package io.xpusim.units;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The units one kind of quantity accepts, each with its factor to the base unit, and the strict
 * parser of {@code "<number> <unit>"} strings against them.
 */
final class UnitTable {
    private final String quantityName;
    private final String example;
    private final Map<String, Double> factors = new LinkedHashMap<>();

    UnitTable(String quantityName, String example) {
        this.quantityName = quantityName;
        this.example = example;
    }

    UnitTable unit(String symbol, double factorToBase) {
        factors.put(symbol, factorToBase);
        return this;
    }

    /** Parses text like {@code "3.35 TB/s"} or {@code "80GiB"} into base units. */
    double parse(String text) {
        if (text == null || text.isBlank()) {
            throw new QuantityFormatException("empty " + quantityName, "write it like " + example);
        }
        String s = text.strip();
        int split = 0;
        while (split < s.length() && isNumberChar(s, split)) {
            split++;
        }
        String number = s.substring(0, split);
        String unit = s.substring(split).strip();
        if (number.isEmpty()) {
            throw new QuantityFormatException("'" + s + "' is not a " + quantityName + ": it has no number",
                    "write it like " + example);
        }
        double value;
        try {
            value = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new QuantityFormatException("'" + number + "' is not a number", "write it like " + example);
        }
        if (!Double.isFinite(value)) {
            throw new QuantityFormatException("'" + s + "' is not finite", "write it like " + example);
        }
        if (unit.isEmpty()) {
            throw new QuantityFormatException("'" + s + "' has no unit; a " + quantityName + " needs one",
                    "write it like " + example + " (units: " + String.join(", ", factors.keySet()) + ")");
        }
        Double factor = factors.get(unit);
        if (factor == null) {
            throw new QuantityFormatException("unknown " + quantityName + " unit '" + unit + "' in '" + s + "'",
                    "units: " + String.join(", ", factors.keySet()));
        }
        if (value < 0) {
            throw new QuantityFormatException("'" + s + "' is negative; a " + quantityName + " cannot be",
                    "write it like " + example);
        }
        double result = value * factor;
        if (!Double.isFinite(result)) {
            throw new QuantityFormatException("'" + s + "' is too large", "write it like " + example);
        }
        return result;
    }

    private static boolean isNumberChar(String s, int i) {
        char c = s.charAt(i);
        if (Character.isDigit(c) || c == '.' || c == '+' || c == '-') {
            return true;
        }
        // exponent: 1e9, 2.5E-3 — only when followed by a digit or sign, so "1 EB" is not an exponent
        if ((c == 'e' || c == 'E') && i > 0 && i + 1 < s.length()) {
            char next = s.charAt(i + 1);
            return Character.isDigit(next) || next == '-' || next == '+';
        }
        return false;
    }

    static String format(double value, String unit) {
        return String.format(Locale.ROOT, "%.4g %s", value, unit);
    }
}
