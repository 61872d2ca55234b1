package jprune.deploy.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.deploy.quant.CorruptStreamException;
import jprune.deploy.quant.Huffman;
import jprune.deploy.quant.Int8Quantizer;
import jprune.deploy.quant.SharedWeights;
import jprune.deploy.quant.SparsePositions;

/**
 * How one tensor's values are stored in a compressed model file (docs/compressed-format.md): which
 * entries are nonzero ("positions": all, or Huffman-coded gaps) and what their values are ("values":
 * f32, int8 with a scale per row, or k-means codes into a codebook), each part a blob named
 * "tensor-name.part". Encoding picks dense or sparse positions by size. Decoding treats the manifest
 * and the blobs as untrusted: every size is checked against the shape before anything is allocated.
 */
public final class TensorCodec {
    /** Largest tensor the reader accepts (2^28 elements, 1 GiB as floats). */
    public static final long MAX_ELEMENTS = 1L << 28;
    static final int INT8_ALPHABET = 255;   // q + 127 for q in [-127, 127]

    /** A decoded tensor: its shape and dense values (dequantized), and whether its values came as int8. */
    public record Decoded(String name, int[] shape, float[] values, String valueCoding) {}

    private TensorCodec() {}

    /** fp32 values, positions sparse when that is smaller. */
    public static Map<String, Object> encodeF32(String name, int[] shape, float[] v, Map<String, byte[]> blobs) {
        int[] pos = SparsePositions.nonzeroPositions(v);
        byte[] posBlob = pos.length < v.length ? SparsePositions.encode(pos, v.length) : null;
        boolean sparse = posBlob != null && posBlob.length + 4L * pos.length < 4L * v.length;
        Map<String, Object> e = entry(name, shape, "f32");
        if (sparse) {
            putPositions(e, name, pos, posBlob, blobs);
            float[] nz = new float[pos.length];
            for (int i = 0; i < pos.length; i++) nz[i] = v[pos[i]];
            blobs.put(name + ".values", floats(nz));
        } else {
            e.put("positions", "all");
            blobs.put(name + ".values", floats(v));
        }
        return e;
    }

    /** int8 values with a scale per row (shape[0] rows); values Huffman-coded when entropy is on. */
    public static Map<String, Object> encodeInt8(String name, int[] shape, Int8Quantizer.Quantized q, boolean entropy, Map<String, byte[]> blobs) {
        byte[] v = q.values();
        int n = 0;
        for (byte b : v) if (b != 0) n++;
        int[] pos = new int[n];
        for (int i = 0, k = 0; i < v.length; i++) if (v[i] != 0) pos[k++] = i;
        byte[] posBlob = n < v.length ? SparsePositions.encode(pos, v.length) : null;
        boolean sparse = posBlob != null && posBlob.length + (long) n < v.length;
        int[] symbols = new int[sparse ? n : v.length];
        for (int i = 0; i < symbols.length; i++) symbols[i] = v[sparse ? pos[i] : i] + 127;
        Map<String, Object> e = entry(name, shape, "int8");
        if (sparse) putPositions(e, name, pos, posBlob, blobs);
        else e.put("positions", "all");
        e.put("entropy", entropy);
        blobs.put(name + ".scales", floats(q.scales()));
        if (entropy) {
            blobs.put(name + ".values", Huffman.encode(symbols, INT8_ALPHABET));
        } else {
            byte[] raw = new byte[symbols.length];
            for (int i = 0; i < raw.length; i++) raw[i] = (byte) (symbols[i] - 127);
            blobs.put(name + ".values", raw);
        }
        return e;
    }

    /** k-means shared weights: the codebook as f32, codes Huffman-coded (entropy) or packed at ⌈log2 k⌉ bits. */
    public static Map<String, Object> encodeShared(String name, int[] shape, SharedWeights sw, boolean entropy, Map<String, byte[]> blobs) {
        int[] pos = sw.positions();
        Map<String, Object> e = entry(name, shape, "kmeans");
        putPositions(e, name, pos, SparsePositions.encode(pos, sw.length()), blobs);
        e.put("entropy", entropy);
        e.put("codebook_size", (long) sw.codebookSize());
        blobs.put(name + ".codebook", floats(sw.codebook()));
        blobs.put(name + ".values", entropy ? Huffman.encode(sw.codes(), sw.codebookSize()) : packed(sw.codes(), bitsFor(sw.codebookSize())));
        return e;
    }

    private static Map<String, Object> entry(String name, int[] shape, String values) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("name", name);
        List<Object> s = new ArrayList<>();
        for (int d : shape) s.add((long) d);
        e.put("shape", s);
        e.put("values", values);
        return e;
    }

    private static void putPositions(Map<String, Object> e, String name, int[] pos, byte[] blob, Map<String, byte[]> blobs) {
        e.put("positions", "sparse");
        e.put("nonzeros", (long) pos.length);
        blobs.put(name + ".positions", blob);
    }

    /** Decodes one manifest entry with its blobs; any inconsistency is a CompressedFormatException naming the tensor. */
    @SuppressWarnings("unchecked")
    public static Decoded decode(Map<String, Object> e, Map<String, byte[]> blobs, java.util.Set<String> used) throws CompressedFormatException {
        if (!(e.get("name") instanceof String name)) throw new CompressedFormatException("a tensor entry has no name");
        int[] shape = shape(name, e.get("shape"));
        long numel = 1;
        for (int d : shape) numel *= d;   // bounded: each dim checked, product checked as it grows
        int n = (int) numel;
        int rows = shape.length == 0 ? 1 : shape[0];
        String coding = string(name, e, "values");
        String positions = string(name, e, "positions");
        int[] pos = null;
        int count = n;
        if (positions.equals("sparse")) {
            count = (int) integer(name, e, "nonzeros", n);
            try {
                pos = SparsePositions.decode(blob(name, blobs, used, "positions"), n, count);
            } catch (CorruptStreamException | IllegalArgumentException ex) {
                throw new CompressedFormatException("tensor '" + name + "': positions: " + ex.getMessage());
            }
        } else if (!positions.equals("all")) {
            throw new CompressedFormatException("tensor '" + name + "': positions must be 'all' or 'sparse', got '" + positions + "'");
        }
        float[] nz;
        try {
            nz = switch (coding) {
                case "f32" -> readFloats(name, blob(name, blobs, used, "values"), count);
                case "int8" -> int8(name, e, blobs, used, count, pos, rows, n);
                case "kmeans" -> kmeans(name, e, blobs, used, count);
                default -> throw new CompressedFormatException("tensor '" + name + "': values must be f32, int8 or kmeans, got '" + coding + "'");
            };
        } catch (CorruptStreamException ex) {
            throw new CompressedFormatException("tensor '" + name + "': values: " + ex.getMessage());
        }
        if (pos == null) return new Decoded(name, shape, nz, coding);
        float[] dense = new float[n];
        for (int i = 0; i < count; i++) dense[pos[i]] = nz[i];
        return new Decoded(name, shape, dense, coding);
    }

    private static float[] int8(String name, Map<String, Object> e, Map<String, byte[]> blobs, java.util.Set<String> used, int count, int[] pos, int rows, int n)
            throws CompressedFormatException, CorruptStreamException {
        float[] scales = readFloats(name, blob(name, blobs, used, "scales"), rows);
        for (float s : scales) if (!(s >= 0) || Float.isInfinite(s)) throw new CompressedFormatException("tensor '" + name + "': a row scale is " + s);
        byte[] v = blob(name, blobs, used, "values");
        int[] sym;
        if (bool(name, e, "entropy")) {
            sym = Huffman.decode(v, count, INT8_ALPHABET);
        } else {
            if (v.length != count) throw new CompressedFormatException("tensor '" + name + "': " + v.length + " int8 values for " + count + " entries");
            sym = new int[count];
            for (int i = 0; i < count; i++) sym[i] = v[i] + 127;
        }
        int cols = n / Math.max(1, rows);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            int q = sym[i] - 127;
            if (q < -127 || q > 127) throw new CompressedFormatException("tensor '" + name + "': int8 value " + q + " outside [-127, 127]");
            int at = pos == null ? i : pos[i];
            out[i] = q * scales[cols == 0 ? 0 : at / cols];
        }
        return out;
    }

    private static float[] kmeans(String name, Map<String, Object> e, Map<String, byte[]> blobs, java.util.Set<String> used, int count)
            throws CompressedFormatException, CorruptStreamException {
        int k = (int) integer(name, e, "codebook_size", Huffman.MAX_ALPHABET);
        if (k < 1) throw new CompressedFormatException("tensor '" + name + "': codebook_size must be >= 1");
        float[] codebook = readFloats(name, blob(name, blobs, used, "codebook"), k);
        byte[] v = blob(name, blobs, used, "values");
        int[] codes = bool(name, e, "entropy") ? Huffman.decode(v, count, k) : unpacked(name, v, count, bitsFor(k));
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            if (codes[i] < 0 || codes[i] >= k) throw new CompressedFormatException("tensor '" + name + "': code " + codes[i] + " outside the codebook of " + k);
            out[i] = codebook[codes[i]];
        }
        return out;
    }

    static int bitsFor(int k) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(k - 1));
    }

    private static byte[] packed(int[] codes, int bits) {
        jprune.deploy.quant.BitWriter w = new jprune.deploy.quant.BitWriter();
        for (int c : codes) w.writeBits(c, bits);
        return w.toByteArray();
    }

    private static int[] unpacked(String name, byte[] v, int count, int bits) throws CompressedFormatException {
        if ((long) v.length * 8 < (long) count * bits || (long) v.length * 8 >= (long) count * bits + 8)
            throw new CompressedFormatException("tensor '" + name + "': " + v.length + " bytes cannot hold " + count + " codes of " + bits + " bits");
        jprune.deploy.quant.BitReader r = new jprune.deploy.quant.BitReader(v);
        int[] out = new int[count];
        try {
            for (int i = 0; i < count; i++) out[i] = r.readBits(bits);
        } catch (CorruptStreamException ex) {
            throw new CompressedFormatException("tensor '" + name + "': " + ex.getMessage());
        }
        return out;
    }

    static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    private static float[] readFloats(String name, byte[] blob, int count) throws CompressedFormatException {
        if (blob.length != 4L * count) throw new CompressedFormatException("tensor '" + name + "': " + blob.length + " bytes for " + count + " floats");
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = b.getFloat();
            if (!Float.isFinite(v[i])) throw new CompressedFormatException("tensor '" + name + "': value " + i + " is " + v[i]);
        }
        return v;
    }

    private static byte[] blob(String name, Map<String, byte[]> blobs, java.util.Set<String> used, String part) throws CompressedFormatException {
        byte[] b = blobs.get(name + "." + part);
        used.add(name + "." + part);
        if (b == null) throw new CompressedFormatException("tensor '" + name + "' lacks its blob '" + name + "." + part + "'");
        return b;
    }

    private static int[] shape(String name, Object o) throws CompressedFormatException {
        if (!(o instanceof List<?> l) || l.size() > 8) throw new CompressedFormatException("tensor '" + name + "': shape must be a list of at most 8 sizes");
        int[] s = new int[l.size()];
        long numel = 1;
        for (int i = 0; i < s.length; i++) {
            if (!(l.get(i) instanceof Long d) || d < 1) throw new CompressedFormatException("tensor '" + name + "': shape " + l + " needs positive integer sizes");
            numel *= d;
            if (numel > MAX_ELEMENTS) throw new CompressedFormatException("tensor '" + name + "': shape " + l + " exceeds the limit of " + MAX_ELEMENTS + " elements");
            s[i] = (int) (long) d;
        }
        return s;
    }

    private static String string(String name, Map<String, Object> e, String key) throws CompressedFormatException {
        if (e.get(key) instanceof String s) return s;
        throw new CompressedFormatException("tensor '" + name + "': '" + key + "' must be a string");
    }

    private static boolean bool(String name, Map<String, Object> e, String key) throws CompressedFormatException {
        if (e.get(key) instanceof Boolean b) return b;
        throw new CompressedFormatException("tensor '" + name + "': '" + key + "' must be true or false");
    }

    private static long integer(String name, Map<String, Object> e, String key, long max) throws CompressedFormatException {
        if (e.get(key) instanceof Long v && v >= 0 && v <= max) return v;
        throw new CompressedFormatException("tensor '" + name + "': '" + key + "' must be an integer in [0, " + max + "], got " + e.get(key));
    }
}
