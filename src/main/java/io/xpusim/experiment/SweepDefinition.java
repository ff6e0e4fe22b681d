package io.xpusim.experiment;

import io.xpusim.scenario.SweepSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What identifies a sweep's results independently of where it ran: name, swept paths and values, replications,
 * point count, chart choices and the {@code --set} overrides applied to the base. Written into every {@code sweep.json}, so {@code merge} can check that shards
 * belong together and draw the same charts without the sweep file.
 */
public record SweepDefinition(String name, List<String> parameters, List<List<String>> values, int replications,
                              int points, List<String> chartMetrics, String paretoMaximize, String paretoMinimize,
                              List<String> overrides) {
    /** The definition of {@code s} run with the command line's {@code --set} {@code overrides}. */
    public static SweepDefinition of(SweepSpec s, List<String> overrides) {
        List<String> params = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        for (SweepSpec.Axis a : s.axes()) {
            params.add(a.path());
            values.add(a.texts());
        }
        return new SweepDefinition(s.name(), params, values, s.replications(), s.points(), s.charts().metrics(),
                s.charts().maximize(), s.charts().minimize(), List.copyOf(overrides));
    }

    /** The value texts of a point (mixed radix over {@link #values()}, last parameter fastest). */
    public List<String> texts(int point) {
        List<String> out = new ArrayList<>();
        int rest = point;
        String[] picked = new String[values.size()];
        for (int i = values.size() - 1; i >= 0; i--) {
            picked[i] = values.get(i).get(rest % values.get(i).size());
            rest /= values.get(i).size();
        }
        for (String p : picked) {
            out.add(p);
        }
        return out;
    }

    LinkedHashMap<String, Object> tree() {
        LinkedHashMap<String, Object> t = new LinkedHashMap<>();
        t.put("name", name);
        List<Object> ps = new ArrayList<>();
        for (int i = 0; i < parameters.size(); i++) {
            LinkedHashMap<String, Object> p = new LinkedHashMap<>();
            p.put("path", parameters.get(i));
            p.put("values", new ArrayList<Object>(values.get(i)));
            ps.add(p);
        }
        t.put("parameters", ps);
        t.put("replications", (long) replications);
        t.put("points", (long) points);
        LinkedHashMap<String, Object> charts = new LinkedHashMap<>();
        charts.put("metrics", new ArrayList<Object>(chartMetrics));
        charts.put("pareto_maximize", paretoMaximize);
        charts.put("pareto_minimize", paretoMinimize);
        t.put("charts", charts);
        t.put("set", new ArrayList<Object>(overrides));
        return t;
    }

    @SuppressWarnings("unchecked")
    static SweepDefinition fromTree(Map<String, Object> t) {
        List<String> params = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        for (Object o : (List<Object>) t.get("parameters")) {
            Map<String, Object> p = (Map<String, Object>) o;
            params.add((String) p.get("path"));
            values.add(((List<Object>) p.get("values")).stream().map(String::valueOf).toList());
        }
        Map<String, Object> charts = (Map<String, Object>) t.get("charts");
        return new SweepDefinition((String) t.get("name"), params, values, ((Number) t.get("replications")).intValue(),
                ((Number) t.get("points")).intValue(), ((List<Object>) charts.get("metrics")).stream().map(String::valueOf)
                .toList(), (String) charts.get("pareto_maximize"), (String) charts.get("pareto_minimize"),
                ((List<Object>) t.get("set")).stream().map(String::valueOf).toList());
    }
}
