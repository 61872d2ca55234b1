package jprune.lm.model;

/**
 * The weights of one transformer block. GPT-2 fills norm biases, a fused query-key-value
 * projection and fc/proj; Llama-family blocks fill separate q/k/v, gate/up/down and RMSNorm weights
 * (no norm biases).
 */
record DecoderBlock(
        float[] norm1Weight, float[] norm1Bias,
        Projection qkv, Projection q, Projection k, Projection v, Projection o,
        float[] norm2Weight, float[] norm2Bias,
        Projection fc, Projection proj,
        Projection gate, Projection up, Projection down) {

    /** This block with the projections named in byName replaced (same shapes required). */
    DecoderBlock with(java.util.Map<String, Projection> byName) {
        java.util.Set<String> unused = new java.util.HashSet<>(byName.keySet());
        Projection[] p = {qkv, q, k, v, o, fc, proj, gate, up, down};
        for (int i = 0; i < p.length; i++) {
            if (p[i] == null) continue;
            Projection r = byName.get(p[i].name());
            if (r == null) continue;
            if (r.in() != p[i].in() || r.out() != p[i].out())
                throw new IllegalArgumentException(r.name() + ": " + r.out() + "×" + r.in() + " cannot replace " + p[i].out() + "×" + p[i].in());
            p[i] = r;
            unused.remove(r.name());
        }
        if (!unused.isEmpty()) throw new IllegalArgumentException("no projection named " + unused + " in this block");
        return new DecoderBlock(norm1Weight, norm1Bias, p[0], p[1], p[2], p[3], p[4], norm2Weight, norm2Bias, p[5], p[6], p[7], p[8], p[9]);
    }

    /** The block's projections in execution order. */
    java.util.List<Projection> projections() {
        java.util.List<Projection> out = new java.util.ArrayList<>();
        for (Projection p : new Projection[] {qkv, q, k, v, o, fc, proj, gate, up, down}) if (p != null) out.add(p);
        return out;
    }
}
