package io.xpusim.cli;

import io.xpusim.report.ChartStyle;
import picocli.CommandLine.Option;

/** {@code --chart-format png|svg}: svg also writes every chart as SVG beside its PNG (the report embeds the PNGs). */
final class ChartFormatOption {
    @Option(names = "--chart-format", paramLabel = "FORMAT", defaultValue = "png",
            description = "png (default) or svg: also write each chart as an .svg beside its .png.")
    String format;

    /** Applies the choice to the charts this command draws. */
    void apply() {
        if (!format.equals("png") && !format.equals("svg")) {
            throw new Main.UserError("--chart-format must be png or svg, not '" + format + "'");
        }
        ChartStyle.svgToo(format.equals("svg"));
    }
}
