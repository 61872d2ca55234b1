package jprune.lm.hf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jprune.deploy.format.BitmaskMatrix;
import jprune.deploy.format.BlockSparseMatrix;
import jprune.deploy.format.CsrMatrix;
import jprune.deploy.format.DenseMatrix;
import jprune.deploy.format.NmMatrix;
import jprune.deploy.format.WeightMatrix;
import jprune.nn.io.CheckpointFormatException;

/**
 * A weight matrix stored in a checkpoint in the form it runs in (docs/lm-compressed-format.md): the
 * arrays of its {@link WeightMatrix} format as plain safetensors tensors named after the weight,
 * and a line in config.json's {@value #CONFIG_KEY} saying which format they make up. The matrix is
 * always [out, in] (rows are outputs), whatever layout the dense tensor had.
 *
 * <pre>
 *   format        tensors (W = the weight's name, e.g. model.layers.0.mlp.up_proj.weight)
 *   dense-int8    W.int8 I8 [out, in]
 *   N:M           W.values F32 | W.int8 I8 [out, slots per row], W.positions U8 [out, position bytes per row]
 *   csr           W.values F32 | W.int8 I8 [nnz], W.row_pointers I32 [out + 1], W.columns U16 (in ≤ 65536) | I32 [nnz]
 *   bitmask       W.values F32 | W.int8 I8 [nnz], W.bitmap I64 [out, ⌈in/64⌉]
 *   blockRxC      W.values F32 | W.int8 I8 [blocks·R·C], W.block_row_pointers I32, W.block_columns I32 [blocks]
 *   every -int8   W.scales F32 [out]: weight = int8 × scale of its row
 * </pre>
 *
 * Reading copies the arrays to the heap and hands them to the format's validating factory, so a
 * file whose positions, pointers or values do not make a valid matrix fails with a message naming
 * the weight.
 */
public final class PackedWeights {
    /** The config.json key holding the packed weights: {"format_version": 1, "weights": {name: {"format", "shape"}}}. */
    public static final String CONFIG_KEY = "jprune_compression";
    public static final int FORMAT_VERSION = 1;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfChar U16 = ValueLayout.JAVA_CHAR_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Pattern NM = Pattern.compile("(\\d{1,2}):(\\d{1,2})");
    private static final Pattern BLOCK = Pattern.compile("block(\\d{1,3})x(\\d{1,3})");

    private PackedWeights() {}

    /** The tensors that store m under the weight's name, in a fixed order. */
    public static List<HfCheckpointWriter.Entry> entries(String weight, WeightMatrix m) {
        List<HfCheckpointWriter.Entry> out = new ArrayList<>();
        String base = baseFormat(m.format());
        boolean int8 = m.format().endsWith("-int8");
        int rows = m.rows();
        if (m instanceof DenseMatrix d) {
            if (!int8) throw new IllegalArgumentException(weight + ": a dense fp32 weight stays an ordinary tensor");
            out.add(bytes(weight + ".int8", "I8", new long[] {rows, m.cols()}, d.quantized()));
        } else if (m instanceof NmMatrix nm) {
            values(out, weight, nm.isInt8() ? null : nm.values(), nm.isInt8() ? nm.quantized() : null, new long[] {rows, nm.slotsPerRow()});
            out.add(bytes(weight + ".positions", "U8", new long[] {rows, nm.positionBytesPerRow()}, nm.positions()));
        } else if (m instanceof CsrMatrix csr) {
            long nnz = csr.nonzeros();
            values(out, weight, csr.isInt8() ? null : csr.values(), csr.isInt8() ? csr.quantized() : null, new long[] {nnz});
            out.add(ints(weight + ".row_pointers", csr.rowPointers()));
            if (csr.hasNarrowIndices()) {
                char[] c = csr.narrowColumnIndices();
                out.add(new HfCheckpointWriter.Entry(weight + ".columns", "U16", new long[] {c.length},
                        dst -> MemorySegment.copy(c, 0, dst, U16, 0, c.length)));
            } else {
                out.add(ints(weight + ".columns", csr.columnIndices()));
            }
        } else if (m instanceof BitmaskMatrix bm) {
            values(out, weight, bm.isInt8() ? null : bm.values(), bm.isInt8() ? bm.quantized() : null, new long[] {bm.nonzeros()});
            long[] bits = bm.bitmap();
            out.add(new HfCheckpointWriter.Entry(weight + ".bitmap", "I64", new long[] {rows, BitmaskMatrix.wordsPerRow(m.cols())},
                    dst -> MemorySegment.copy(bits, 0, dst, I64, 0, bits.length)));
        } else if (m instanceof BlockSparseMatrix b) {
            byte[] q = b.isInt8() ? b.quantized() : null;
            float[] v = b.isInt8() ? null : b.values();
            values(out, weight, v, q, new long[] {v != null ? v.length : q.length});
            out.add(ints(weight + ".block_row_pointers", b.blockRowPointers()));
            out.add(ints(weight + ".block_columns", b.blockColumnIndices()));
        } else {
            throw new IllegalArgumentException(weight + ": no stored form for format " + base);
        }
        if (int8) out.add(floats(weight + ".scales", new long[] {rows}, scales(m)));
        return out;
    }

    private static float[] scales(WeightMatrix m) {
        if (m instanceof DenseMatrix x) return x.scales();
        if (m instanceof NmMatrix x) return x.scales();
        if (m instanceof CsrMatrix x) return x.scales();
        if (m instanceof BitmaskMatrix x) return x.scales();
        if (m instanceof BlockSparseMatrix x) return x.scales();
        throw new IllegalArgumentException("no scales in " + m.format());
    }

    private static void values(List<HfCheckpointWriter.Entry> out, String weight, float[] v, byte[] q, long[] shape) {
        out.add(v != null ? floats(weight + ".values", shape, v) : bytes(weight + ".int8", "I8", shape, q));
    }

    private static HfCheckpointWriter.Entry floats(String name, long[] shape, float[] v) {
        return new HfCheckpointWriter.Entry(name, "F32", shape, dst -> MemorySegment.copy(v, 0, dst, F32, 0, v.length));
    }

    private static HfCheckpointWriter.Entry ints(String name, int[] v) {
        return new HfCheckpointWriter.Entry(name, "I32", new long[] {v.length}, dst -> MemorySegment.copy(v, 0, dst, I32, 0, v.length));
    }

    private static HfCheckpointWriter.Entry bytes(String name, String dtype, long[] shape, byte[] v) {
        return new HfCheckpointWriter.Entry(name, dtype, shape, dst -> MemorySegment.copy(v, 0, dst, ValueLayout.JAVA_BYTE, 0, v.length));
    }

    /** The config line describing m: its format name and [out, in] shape. */
    public static Map<String, Object> describe(WeightMatrix m) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("format", m.format());
        d.put("shape", List.of((long) m.rows(), (long) m.cols()));
        return d;
    }

    /** The packed weights a checkpoint's config lists, by weight name (empty for an ordinary checkpoint). */
    public static Map<String, Map<String, Object>> listed(HfCheckpoint ck) throws CheckpointFormatException {
        Object section = ck.config().get(CONFIG_KEY);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (section == null) return out;
        String where = ck.dir().resolve(HfCheckpoint.CONFIG) + ": " + CONFIG_KEY;
        if (!(section instanceof Map<?, ?> s)) throw new CheckpointFormatException(where + " is not an object");
        Object version = s.get("format_version");
        if (!(version instanceof Long v) || v != FORMAT_VERSION)
            throw new CheckpointFormatException(where + ": format_version " + version + " is not supported (this jprune reads " + FORMAT_VERSION + ")");
        if (!(s.get("weights") instanceof Map<?, ?> weights)) throw new CheckpointFormatException(where + " has no 'weights' object");
        for (var e : weights.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> w)) throw new CheckpointFormatException(where + ": entry '" + e.getKey() + "' is not an object");
            Map<String, Object> copy = new LinkedHashMap<>();
            w.forEach((k, val) -> copy.put(String.valueOf(k), val));
            out.put(String.valueOf(e.getKey()), copy);
        }
        return out;
    }

    /**
     * Reads the weight described by spec (its {@link #listed} entry), checking that it is [out, in].
     *
     * @throws CheckpointFormatException when a tensor is missing, has the wrong dtype or size, or the
     *     arrays do not make a valid matrix of the format
     */
    public static WeightMatrix read(HfCheckpoint ck, String weight, Map<String, Object> spec, int out, int in) throws CheckpointFormatException {
        String where = ck.dir() + ": packed weight '" + weight + "'";
        String format = spec.get("format") instanceof String f ? f.toLowerCase(Locale.ROOT) : null;
        if (format == null) throw new CheckpointFormatException(where + ": no format");
        if (!(spec.get("shape") instanceof List<?> shape) || shape.size() != 2 || !Long.valueOf(out).equals(shape.get(0))
                || !Long.valueOf(in).equals(shape.get(1)))
            throw new CheckpointFormatException(where + ": shape " + spec.get("shape") + " but config.json implies [" + out + ", " + in + "]");
        boolean int8 = format.endsWith("-int8");
        String base = baseFormat(format);
        try {
            Reader r = new Reader(ck, weight, where);
            float[] scales = int8 ? r.floats("scales", out) : null;
            if (base.equals("dense")) {
                if (!int8) throw new CheckpointFormatException(where + ": a dense fp32 weight is stored as an ordinary tensor, not packed");
                return DenseMatrix.fromInt8Arrays(out, in, r.bytes("int8", "I8", (long) out * in), scales);
            }
            Matcher nm = NM.matcher(base);
            if (nm.matches()) {
                int n = Integer.parseInt(nm.group(1)), m = Integer.parseInt(nm.group(2));
                if (n < 1 || n >= m || m > 16) throw new CheckpointFormatException(where + ": bad N:M format " + base);
                long slots = (long) out * NmMatrix.slotsPerRow(n, m, in);
                byte[] positions = r.bytes("positions", "U8", (long) out * NmMatrix.positionBytesPerRow(n, m, in));
                return int8 ? NmMatrix.fromInt8Arrays(out, in, n, m, r.bytes("int8", "I8", slots), positions, scales)
                        : NmMatrix.fromArrays(out, in, n, m, r.floats("values", slots), positions);
            }
            if (base.equals("csr")) {
                int[] ptr = r.ints("row_pointers", out + 1L);
                long nnz = ptr[out];
                MappedTensor columns = r.tensor("columns");
                if (in <= CsrMatrix.NARROW_MAX_COLS && columns.storedDtype().equals("U16")) {
                    char[] c = r.chars("columns", nnz);
                    return int8 ? CsrMatrix.fromInt8Arrays(out, in, ptr, c, r.bytes("int8", "I8", nnz), scales)
                            : CsrMatrix.fromArrays(out, in, ptr, c, r.floats("values", nnz));
                }
                int[] c = r.ints("columns", nnz);
                return int8 ? CsrMatrix.fromInt8Arrays(out, in, ptr, c, r.bytes("int8", "I8", nnz), scales)
                        : CsrMatrix.fromArrays(out, in, ptr, c, r.floats("values", nnz));
            }
            if (base.equals("bitmask")) {
                long words = (long) out * BitmaskMatrix.wordsPerRow(in);
                long[] bits = r.longs("bitmap", words);
                long nnz = 0;
                for (long b : bits) nnz += Long.bitCount(b);
                return int8 ? BitmaskMatrix.fromInt8Arrays(out, in, bits, r.bytes("int8", "I8", nnz), scales)
                        : BitmaskMatrix.fromArrays(out, in, bits, r.floats("values", nnz));
            }
            Matcher block = BLOCK.matcher(base);
            if (block.matches()) {
                int br = Integer.parseInt(block.group(1)), bc = Integer.parseInt(block.group(2));
                if (br < 1 || bc < 1 || br > BlockSparseMatrix.MAX_BLOCK || bc > BlockSparseMatrix.MAX_BLOCK)
                    throw new CheckpointFormatException(where + ": bad block shape " + base);
                int[] ptr = r.ints("block_row_pointers", (out + br - 1) / br + 1L);
                int blocks = ptr[ptr.length - 1];
                int[] cols = r.ints("block_columns", blocks);
                long values = (long) blocks * br * bc;
                return int8 ? BlockSparseMatrix.fromInt8Arrays(out, in, br, bc, ptr, cols, r.bytes("int8", "I8", values), scales)
                        : BlockSparseMatrix.fromArrays(out, in, br, bc, ptr, cols, r.floats("values", values));
            }
            throw new CheckpointFormatException(where + ": unknown format '" + format + "'");
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(where + ": " + e.getMessage());
        }
    }

    /** "2:4-int8" → "2:4". */
    static String baseFormat(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        return f.endsWith("-int8") ? f.substring(0, f.length() - "-int8".length()) : f;
    }

    /** Reads one packed weight's tensors, checking each one's dtype and element count before copying it. */
    private record Reader(HfCheckpoint ck, String weight, String where) {
        MappedTensor tensor(String part) throws CheckpointFormatException {
            String name = weight + "." + part;
            if (!ck.has(name)) throw new CheckpointFormatException(where + ": tensor '" + name + "' is missing");
            return ck.tensor(name);
        }

        private MemorySegment data(String part, String dtype, long count) throws CheckpointFormatException {
            MappedTensor t = tensor(part);
            if (!t.storedDtype().equals(dtype))
                throw new CheckpointFormatException(where + ": tensor '" + t.name() + "' is " + t.storedDtype() + ", expected " + dtype);
            if (t.numel() != count)
                throw new CheckpointFormatException(where + ": tensor '" + t.name() + "' holds " + t.numel() + " elements, expected " + count);
            if (count > Integer.MAX_VALUE - 16) throw new CheckpointFormatException(where + ": tensor '" + t.name() + "' is too large");
            return t.data();
        }

        float[] floats(String part, long count) throws CheckpointFormatException {
            float[] a = new float[(int) count];
            MemorySegment.copy(data(part, "F32", count), F32, 0, a, 0, a.length);
            return a;
        }

        int[] ints(String part, long count) throws CheckpointFormatException {
            int[] a = new int[(int) count];
            MemorySegment.copy(data(part, "I32", count), I32, 0, a, 0, a.length);
            return a;
        }

        char[] chars(String part, long count) throws CheckpointFormatException {
            char[] a = new char[(int) count];
            MemorySegment.copy(data(part, "U16", count), U16, 0, a, 0, a.length);
            return a;
        }

        long[] longs(String part, long count) throws CheckpointFormatException {
            long[] a = new long[(int) count];
            MemorySegment.copy(data(part, "I64", count), I64, 0, a, 0, a.length);
            return a;
        }

        byte[] bytes(String part, String dtype, long count) throws CheckpointFormatException {
            byte[] a = new byte[(int) count];
            MemorySegment.copy(data(part, dtype, count), ValueLayout.JAVA_BYTE, 0, a, 0, a.length);
            return a;
        }
    }
}
