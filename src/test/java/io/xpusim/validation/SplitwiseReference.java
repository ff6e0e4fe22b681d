package io.xpusim.validation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Splitwise measurements of Llama-2-70B on A100-80GB (MIT, rows of splitwise-sim data/perf_model.csv,
 * copied from shared/reference): median prompt latency and median per-token latency per configuration.
 */
final class SplitwiseReference {
    /** One measured configuration with the medians of its repeated measurements (ms). */
    record Config(int tp, int promptTokens, int batch, int outputTokens, double promptMs, double tokenMs) {
    }

    static List<Config> load() throws IOException {
        Map<String, List<double[]>> groups = new TreeMap<>();
        Map<String, int[]> keys = new TreeMap<>();
        try (InputStream in = SplitwiseReference.class.getResourceAsStream("/reference/splitwise-a100-llama2-70b.csv");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.startsWith("model,")) {
                    continue;
                }
                String[] f = line.split(",");
                int tp = Integer.parseInt(f[10]);
                int prompt = Integer.parseInt(f[2]);
                int batch = Integer.parseInt(f[3]);
                int tokens = Integer.parseInt(f[4]);
                String key = String.format("%d/%05d/%03d/%05d", tp, prompt, batch, tokens);
                keys.put(key, new int[] {tp, prompt, batch, tokens});
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {Double.parseDouble(f[7]), Double.parseDouble(f[8])});
            }
        }
        List<Config> out = new ArrayList<>();
        for (Map.Entry<String, List<double[]>> e : groups.entrySet()) {
            int[] k = keys.get(e.getKey());
            out.add(new Config(k[0], k[1], k[2], k[3], median(e.getValue(), 0), median(e.getValue(), 1)));
        }
        return out;
    }

    private static double median(List<double[]> rows, int col) {
        double[] v = rows.stream().mapToDouble(x -> x[col]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double medianOf(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
