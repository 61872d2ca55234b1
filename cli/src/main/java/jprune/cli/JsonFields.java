package jprune.cli;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads of a JSON object's fields, for a command's recipe file: an unknown field or a value of
 * the wrong type is a usage error that names the field. A missing field or JSON null reads as null.
 */
final class JsonFields {
    private final Map<String, Object> fields;
    private final String where;

    /** where prefixes every message ("--recipe FILE"); a field outside known is an error. */
    JsonFields(Map<String, Object> fields, String where, Set<String> known) {
        this.fields = fields;
        this.where = where;
        for (String k : fields.keySet())
            if (!known.contains(k)) throw new UsageException(where + ": unknown field '" + k + "' (known: " + String.join(", ", new TreeSet<>(known)) + ")");
    }

    String string(String key) {
        Object v = fields.get(key);
        if (v == null || v instanceof String) return (String) v;
        throw wrong(key, "a string", v);
    }

    Boolean bool(String key) {
        Object v = fields.get(key);
        if (v == null || v instanceof Boolean) return (Boolean) v;
        throw wrong(key, "true or false", v);
    }

    Double number(String key) {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        throw wrong(key, "a number", v);
    }

    Integer integer(String key) {
        Long v = whole(key, Integer.MIN_VALUE, Integer.MAX_VALUE);
        return v == null ? null : v.intValue();
    }

    Long longInteger(String key) {
        return whole(key, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private Long whole(String key, long min, long max) {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (!(n instanceof Long) && d != Math.rint(d)) throw wrong(key, "a whole number", v);
            // Compared as doubles too: a Double beyond long's range must not wrap when converted.
            if (d >= min && d <= max && n.longValue() >= min && n.longValue() <= max) return n.longValue();
            throw wrong(key, "a whole number from " + min + " to " + max, v);
        }
        throw wrong(key, "a whole number", v);
    }

    private UsageException wrong(String key, String expected, Object got) {
        String shown = got instanceof String s ? "\"" + s + "\"" : String.valueOf(got);
        return new UsageException(where + ": field '" + key + "' must be " + expected + ", got " + shown);
    }
}
