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

    /** The block's projections in execution order. */
    java.util.List<Projection> projections() {
        java.util.List<Projection> out = new java.util.ArrayList<>();
        for (Projection p : new Projection[] {qkv, q, k, v, o, fc, proj, gate, up, down}) if (p != null) out.add(p);
        return out;
    }
}
