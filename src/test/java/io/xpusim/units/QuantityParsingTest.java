package io.xpusim.units;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing of unit-carrying quantities: decimal vs binary prefixes, bits vs bytes, strict rejection. */
class QuantityParsingTest {

    // ---- DataSize ---------------------------------------------------------------------------------

    @Test
    void decimalAndBinaryPrefixesDiffer() {
        assertEquals(1e9, DataSize.parse("1 GB").bytes(), 0);          // GB = 10^9
        assertEquals(1073741824.0, DataSize.parse("1 GiB").bytes(), 0); // GiB = 2^30 = 1,073,741,824
        assertEquals(80.0 * 1073741824.0, DataSize.parse("80GiB").bytes(), 0); // 80 * 2^30 = 85,899,345,920
        assertEquals(512e6, DataSize.parse("512 MB").bytes(), 0);      // 512 * 10^6
        assertEquals(1048576.0, DataSize.parse("1 MiB").bytes(), 0);    // 2^20
        assertEquals(1024.0, DataSize.parse("1 KiB").bytes(), 0);       // 2^10
        assertEquals(1e12, DataSize.parse("1 TB").bytes(), 0);
        assertEquals(1099511627776.0, DataSize.parse("1 TiB").bytes(), 0); // 2^40
        assertEquals(1e15, DataSize.parse("1 PB").bytes(), 0);
        assertEquals(1125899906842624.0, DataSize.parse("1 PiB").bytes(), 0); // 2^50
    }

    @Test
    void gibConversionRoundTrips() {
        // ofGiB(80) = 80 * 2^30 bytes; gib() divides back by 2^30
        DataSize d = DataSize.ofGiB(80);
        assertEquals(85899345920.0, d.bytes(), 0);
        assertEquals(80.0, d.gib(), 0);
    }

    @Test
    void surroundingWhitespaceIsAccepted() {
        assertEquals(2e9, DataSize.parse("  2 GB  ").bytes(), 0);
        assertEquals(2e9, DataSize.parse("2GB").bytes(), 0);
    }

    // ---- Bandwidth --------------------------------------------------------------------------------

    @Test
    void bandwidthBytesAndBits() {
        assertEquals(3.35e12, Bandwidth.parse("3.35 TB/s").bytesPerSecond(), 0); // 3.35 * 10^12
        // 400 Gb/s = 400e9 bits/s / 8 bits per byte = 50e9 B/s
        assertEquals(50e9, Bandwidth.parse("400 Gb/s").bytesPerSecond(), 1e-3);
        assertEquals(50e9, Bandwidth.parse("400 Gbps").bytesPerSecond(), 1e-3);
        assertEquals(900e9, Bandwidth.parse("900 GB/s").bytesPerSecond(), 0);
        // 1 GiB/s = 2^30 B/s
        assertEquals(1073741824.0, Bandwidth.parse("1 GiB/s").bytesPerSecond(), 0);
        // 100 Mb/s = 100e6 / 8 = 12.5e6 B/s
        assertEquals(12.5e6, Bandwidth.parse("100 Mbps").bytesPerSecond(), 1e-6);
    }

    // ---- FlopRate ---------------------------------------------------------------------------------

    @Test
    void flopRates() {
        assertEquals(989e12, FlopRate.parse("989 TFLOP/s").flopsPerSecond(), 0);
        assertEquals(1979e12, FlopRate.parse("1979 TOPS").flopsPerSecond(), 0);
        assertEquals(1.5e15, FlopRate.parse("1.5 PFLOP/s").flopsPerSecond(), 0);
        assertEquals(67e9, FlopRate.parse("67 GFLOPS").flopsPerSecond(), 0);
    }

    // ---- TimeSpan ---------------------------------------------------------------------------------

    @Test
    void durationsAreIntegerPicoseconds() {
        // 2.5 us = 2.5e-6 s * 1e12 ps/s = 2,500,000 ps
        assertEquals(2_500_000L, TimeSpan.parse("2.5us").picos());
        assertEquals(2_500_000L, TimeSpan.parse("2.5 µs").picos());
        // 1e3 ms = 1000 ms = 1 s = 1e12 ps
        assertEquals(1_000_000_000_000L, TimeSpan.parse("1e3 ms").picos());
        // 500 ms = 0.5 s = 5e11 ps
        assertEquals(500_000_000_000L, TimeSpan.parse("500ms").picos());
        // 2 min = 120 s = 1.2e14 ps
        assertEquals(120_000_000_000_000L, TimeSpan.parse("2 min").picos());
        assertEquals(1L, TimeSpan.parse("1 ps").picos());
        assertEquals(1_000L, TimeSpan.parse("1ns").picos());
        // 1 h = 3600 s = 3.6e15 ps
        assertEquals(3_600_000_000_000_000L, TimeSpan.parse("1 h").picos());
        assertEquals(0L, TimeSpan.parse("0 s").picos());
    }

    @Test
    void exponentWithSignedPower() {
        // 2.5E-3 s = 2.5 ms = 2.5e9 ps
        assertEquals(2_500_000_000L, TimeSpan.parse("2.5E-3 s").picos());
        assertEquals(1e9, DataSize.parse("1e+9 B").bytes(), 0);
    }

    @Test
    void ofSecondsAndSecondsRoundTrip() {
        assertEquals(1_500_000_000_000L, TimeSpan.ofSeconds(1.5).picos()); // 1.5 * 1e12
        assertEquals(1.5, new TimeSpan(1_500_000_000_000L).seconds(), 0);
        assertEquals(1_000_000_000_000L, TimeSpan.PICOS_PER_SECOND);
    }

    @Test
    void negativeDurationRejected() {
        QuantityFormatException e = assertThrows(QuantityFormatException.class, () -> TimeSpan.parse("-5 ms"));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void durationBeyondLongRangeRejected() {
        // Long.MAX_VALUE ps ≈ 9.22e6 s ≈ 106.7 days; 5000 h = 1.8e7 s ≈ 208 days does not fit
        assertThrows(QuantityFormatException.class, () -> TimeSpan.parse("5000 h"));
    }

    // ---- Frequency and Power ----------------------------------------------------------------------

    @Test
    void ratesAndPower() {
        assertEquals(10.0, Frequency.parse("10/s").perSecond(), 0);
        assertEquals(10.0, Frequency.parse("600/min").perSecond(), 1e-12); // 600 / 60 s
        assertEquals(2.0, Frequency.parse("7200/h").perSecond(), 1e-12);   // 7200 / 3600 s
        assertEquals(5000.0, Frequency.parse("5/ms").perSecond(), 0);      // 5 * 1000
        assertEquals(700.0, Power.parse("700 W").watts(), 0);
        assertEquals(10_200.0, Power.parse("10.2 kW").watts(), 1e-9);       // 10.2 * 1000
    }

    // ---- rejections -------------------------------------------------------------------------------

    @Test
    void unitlessNumberRejectedWithHint() {
        QuantityFormatException e = assertThrows(QuantityFormatException.class, () -> DataSize.parse("80"));
        assertTrue(e.getMessage().contains("no unit"), e.getMessage());
        assertNotNull(e.hint());
        assertTrue(e.hint().contains("GiB"), "the hint names the accepted units: " + e.hint());
        QuantityFormatException t = assertThrows(QuantityFormatException.class, () -> TimeSpan.parse("80"));
        assertTrue(t.hint().contains("ms"), t.hint());
    }

    @Test
    void unknownUnitRejected() {
        QuantityFormatException e = assertThrows(QuantityFormatException.class, () -> DataSize.parse("80 GBB"));
        assertTrue(e.getMessage().contains("unknown"), e.getMessage());
        assertTrue(e.getMessage().contains("GBB"), e.getMessage());
        // units are case-sensitive: "gb" is not "GB"
        assertThrows(QuantityFormatException.class, () -> DataSize.parse("80 gb"));
        // a bandwidth unit is not a size unit
        assertThrows(QuantityFormatException.class, () -> DataSize.parse("80 GB/s"));
    }

    @Test
    void exaIsNotAnExponent() {
        // "1 EB" and "1EB" must not be read as 1e<something>: E followed by a letter is the unit
        QuantityFormatException e = assertThrows(QuantityFormatException.class, () -> DataSize.parse("1 EB"));
        assertTrue(e.getMessage().contains("EB"), e.getMessage());
        QuantityFormatException e2 = assertThrows(QuantityFormatException.class, () -> DataSize.parse("1EB"));
        assertTrue(e2.getMessage().contains("EB"), e2.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"NaN GB", "Infinity GB", "inf GB", "1e400 GB", "-1e400 GB"})
    void nonFiniteRejected(String text) {
        assertThrows(QuantityFormatException.class, () -> DataSize.parse(text));
    }

    @Test
    void overflowAfterScalingRejected() {
        // 1e300 is finite but 1e300 * 1e15 = 1e315 overflows a double
        assertThrows(QuantityFormatException.class, () -> DataSize.parse("1e300 PB"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "GB", "1.2.3 GB", "1-2 GB", "--1 GB"})
    void emptyOrMalformedRejected(String text) {
        assertThrows(QuantityFormatException.class, () -> DataSize.parse(text));
        assertThrows(QuantityFormatException.class, () -> TimeSpan.parse(text));
    }

    @Test
    void nullRejected() {
        assertThrows(QuantityFormatException.class, () -> Bandwidth.parse(null));
    }

    @Test
    void exceptionIsAnIllegalArgumentException() {
        // callers that catch IllegalArgumentException still see unit errors
        assertThrows(IllegalArgumentException.class, () -> FlopRate.parse("12"));
    }

    // ---- Precision --------------------------------------------------------------------------------

    @Test
    void precisionBytes() {
        assertEquals(4.0, Precision.FP32.bytesPerElement(), 0);
        assertEquals(4.0, Precision.TF32.bytesPerElement(), 0);
        assertEquals(2.0, Precision.BF16.bytesPerElement(), 0);
        assertEquals(2.0, Precision.FP16.bytesPerElement(), 0);
        assertEquals(1.0, Precision.FP8.bytesPerElement(), 0);
        assertEquals(1.0, Precision.INT8.bytesPerElement(), 0);
        assertEquals(0.5, Precision.FP4.bytesPerElement(), 0);
        assertEquals(0.5, Precision.INT4.bytesPerElement(), 0);
    }

    @Test
    void precisionYamlNames() {
        assertEquals(Precision.BF16, Precision.fromYaml("bf16"));
        assertEquals("fp8", Precision.FP8.yamlName());
        assertNull(Precision.fromYaml("BF16"), "yaml names are lower case");
        assertNull(Precision.fromYaml("bf17"));
        for (Precision p : Precision.values()) {
            assertEquals(p, Precision.fromYaml(p.yamlName()));
        }
    }
}
