package jprune.lm.tokenizer;

import java.util.List;
import java.util.Map;

/** Typed access to parsed JSON with errors that name the field's path. */
final class JsonFields {
    private JsonFields() {}

    static TokenizerFormatException error(String path, String what) {
        return new TokenizerFormatException(path + ": " + what);
    }

    static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Number) return "a number";
        if (v instanceof Boolean) return "a boolean";
        return v.getClass().getSimpleName();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String path) {
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw error(path, "expected an object, got " + typeName(v));
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Object v, String path) {
        if (v instanceof List<?> l) return (List<Object>) l;
        throw error(path, "expected an array, got " + typeName(v));
    }

    static String string(Object v, String path) {
        if (v instanceof String s) return s;
        throw error(path, "expected a string, got " + typeName(v));
    }

    static int integer(Object v, String path) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return l.intValue();
        throw error(path, "expected an integer, got " + (v instanceof Number ? v : typeName(v)));
    }

    /** A boolean field; absent or null gives {@code dflt}. */
    static boolean bool(Map<String, Object> m, String key, boolean dflt, String path) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw error(path + "." + key, "expected true or false, got " + typeName(v));
    }

    /** A string field that may be absent or null (then null). */
    static String optString(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        return v == null ? null : string(v, path + "." + key);
    }
}
