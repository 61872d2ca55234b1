package jprune.lm.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer's normalizer: none (GPT-2, Llama 3), or Unicode normalization forms (NFC, as
 * Qwen2 uses; NFD, NFKC, NFKD), one or a Sequence applied in order. It runs on the text between
 * the non-normalized added tokens, before the normalized ones are matched and before
 * pre-tokenization. Text that a form changes does not decode back to itself.
 */
public final class Normalization {
    private static final Normalization NONE = new Normalization(List.of(), null);

    private final List<Normalizer.Form> forms;
    private final Object json;

    private Normalization(List<Normalizer.Form> forms, Object json) {
        this.forms = List.copyOf(forms);
        this.json = json;
    }

    /** No normalizer ("normalizer": null). */
    public static Normalization none() {
        return NONE;
    }

    /** One Unicode normalization form. */
    public static Normalization of(Normalizer.Form form) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", form.name());
        return new Normalization(List.of(form), m);
    }

    /** Reads the "normalizer" value of tokenizer.json. */
    static Normalization fromJson(Object json) {
        if (json == null) return NONE;
        List<Normalizer.Form> forms = new ArrayList<>();
        collect(JsonFields.object(json, "normalizer"), "normalizer", forms);
        return new Normalization(forms, json);
    }

    private static void collect(Map<String, Object> m, String path, List<Normalizer.Form> forms) {
        Object type = m.get("type");
        if ("Sequence".equals(type)) {
            List<Object> list = JsonFields.array(m.get("normalizers"), path + ".normalizers");
            for (int i = 0; i < list.size(); i++) collect(JsonFields.object(list.get(i), path + ".normalizers[" + i + "]"), path + ".normalizers[" + i + "]", forms);
            return;
        }
        for (Normalizer.Form f : Normalizer.Form.values()) {
            if (f.name().equals(type)) {
                forms.add(f);
                return;
            }
        }
        throw JsonFields.error(path, "type " + type + " is not supported (null, NFC, NFD, NFKC, NFKD or a Sequence of them)");
    }

    public boolean isNone() {
        return forms.isEmpty();
    }

    /** The "normalizer" value written to tokenizer.json (null for none). */
    public Object json() {
        return json;
    }

    public String apply(String text) {
        String s = text;
        for (Normalizer.Form f : forms) s = Normalizer.normalize(s, f);
        return s;
    }
}
