package io.xpusim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CSV number format: 9 significant digits, exact against BigDecimal rounding, no locale. */
class CsvWriterTest {
    @Test
    void handPickedValues() {
        assertEquals("0.123", CsvWriter.num(0.123));
        assertEquals("1.5", CsvWriter.num(1.5));
        assertEquals("120", CsvWriter.num(120.0));
        assertEquals("-2.25", CsvWriter.num(-2.25));
        assertEquals("0.000123456789", CsvWriter.num(0.0001234567891)); // 9 significant digits: 123456789
        assertEquals("3.33333333", CsvWriter.num(10.0 / 3));
        assertEquals("", CsvWriter.num(Double.NaN));
        assertEquals("1.5e-07", CsvWriter.num(1.5e-7));
    }

    @Test
    void agreesWithBigDecimalOnRandomValues() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            double v = Math.pow(10, rnd.nextDouble(-5.9, 8.9)) * (rnd.nextBoolean() ? 1 : -1);
            if (v == Math.rint(v)) {
                continue;
            }
            String expected = new BigDecimal(v).round(new MathContext(9, java.math.RoundingMode.HALF_EVEN))
                    .stripTrailingZeros().toPlainString();
            String actual = CsvWriter.num(v);
            // Math.round on the scaled double may differ from exact half-even rounding only in the last digit
            assertEquals(Double.parseDouble(expected), Double.parseDouble(actual), Math.abs(v) * 1.01e-8, v + ": " + actual);
        }
    }
}
