package jprune.lm.hf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The floating-point element types a checkpoint may store weights in. Everything is computed in
 * fp32: F16 and BF16 widen exactly; narrowing rounds to nearest, ties to even, as PyTorch does.
 */
public enum DType {
    F32(4), F16(2), BF16(2);

    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** The safetensors name of a dtype, or null when it is not one of ours. */
    public static DType bySafetensorsName(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> null;
        };
    }

    /** The torch_dtype string Hugging Face writes in config.json. */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }

    /** Parses "F32"/"float32"/"fp32"-style names (case-insensitive); null when unknown. */
    public static DType parse(String s) {
        if (s == null) return null;
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32", "fp32", "float" -> F32;
            case "f16", "float16", "fp16", "half" -> F16;
            case "bf16", "bfloat16" -> BF16;
            default -> null;
        };
    }

    /** Element i of seg (little-endian), widened to float. */
    public float get(MemorySegment seg, long i) {
        return switch (this) {
            case F32 -> seg.get(FLOAT_LE, i * 4);
            case F16 -> Float.float16ToFloat(seg.get(SHORT_LE, i * 2));
            case BF16 -> Float.intBitsToFloat(seg.get(SHORT_LE, i * 2) << 16);
        };
    }

    /** Stores v as element i of seg, rounded to this type. */
    public void set(MemorySegment seg, long i, float v) {
        switch (this) {
            case F32 -> seg.set(FLOAT_LE, i * 4, v);
            case F16 -> seg.set(SHORT_LE, i * 2, Float.floatToFloat16(v));
            case BF16 -> seg.set(SHORT_LE, i * 2, toBfloat16(v));
        }
    }

    /** Copies n elements starting at element from of seg into dst[off..off+n), widened to float. */
    public void read(MemorySegment seg, long from, float[] dst, int off, int n) {
        if (this == F32) {
            MemorySegment.copy(seg, FLOAT_LE, from * 4, dst, off, n);
            return;
        }
        for (int i = 0; i < n; i++) dst[off + i] = get(seg, from + i);
    }

    /** Writes src[off..off+n) as elements starting at element from of seg, rounded to this type. */
    public void write(float[] src, int off, MemorySegment seg, long from, int n) {
        if (this == F32) {
            MemorySegment.copy(src, off, seg, FLOAT_LE, from * 4, n);
            return;
        }
        for (int i = 0; i < n; i++) set(seg, from + i, src[off + i]);
    }

    /** v rounded to bfloat16 (nearest, ties to even; NaN stays a quiet NaN). */
    public static short toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
