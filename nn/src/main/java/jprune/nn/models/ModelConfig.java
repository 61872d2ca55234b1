package jprune.nn.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The architecture of a reference model: its name and the sizes it was built with. Checkpoints
 * store it (as JSON in the safetensors metadata) so a model, including a compacted one with
 * narrower layers, can be rebuilt exactly. Values are Long, String or lists of those.
 */
public record ModelConfig(String name, Map<String, Object> values) {
    public ModelConfig {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public int getInt(String key) {
        Object v = require(key);
        if (v instanceof Number n && n.doubleValue() == n.longValue() && Math.abs(n.longValue()) <= Integer.MAX_VALUE) return n.intValue();
        throw new IllegalArgumentException("model config '" + name + "': '" + key + "' must be an integer, got " + v);
    }

    public double getDouble(String key) {
        if (require(key) instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("model config '" + name + "': '" + key + "' must be a number, got " + values.get(key));
    }

    public List<Integer> getIntList(String key) {
        if (!(require(key) instanceof List<?> list))
            throw new IllegalArgumentException("model config '" + name + "': '" + key + "' must be a list of integers, got " + values.get(key));
        List<Integer> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 1)
                throw new IllegalArgumentException("model config '" + name + "': '" + key + "' must hold positive integers, found " + o);
            out.add(n.intValue());
        }
        return out;
    }

    /** A copy with one value replaced (compaction records new widths this way). */
    public ModelConfig with(String key, Object value) {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>(values);
        m.put(key, value);
        return new ModelConfig(name, m);
    }

    /** The config as a plain map including "name", for JSON. */
    public Map<String, Object> toMap() {
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.putAll(values);
        return m;
    }

    /** Reads a map written by {@link #toMap()}. */
    public static ModelConfig fromMap(Map<String, Object> m) {
        if (!(m.get("name") instanceof String n)) throw new IllegalArgumentException("model config lacks a string 'name'");
        LinkedHashMap<String, Object> rest = new LinkedHashMap<>(m);
        rest.remove("name");
        return new ModelConfig(n, rest);
    }

    private Object require(String key) {
        Object v = values.get(key);
        if (v == null) throw new IllegalArgumentException("model config '" + name + "' lacks '" + key + "'");
        return v;
    }
}
