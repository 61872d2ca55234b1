package jprune.lm.compress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jprune.deploy.FormatChooser;
import jprune.deploy.format.DenseMatrix;
import jprune.deploy.format.SlicedEllMatrix;
import jprune.deploy.format.WeightFormats;
import jprune.deploy.format.WeightMatrix;
import jprune.lm.hf.HfCheckpoint;
import jprune.lm.hf.HfCheckpointWriter;
import jprune.lm.hf.MappedTensor;
import jprune.lm.hf.PackedWeights;
import jprune.lm.model.DecoderModel;
import jprune.lm.model.Projection;

/**
 * Turns a (pruned) language model into one that decodes from its compressed form: every projection
 * inside the transformer blocks is stored in a deploy format (N:M packed, CSR, bitmask or dense;
 * fp32 or int8 values with a scale per output row), given or chosen per layer by timing the
 * candidates here ({@link FormatChooser}); the head can be stored as int8 too. Embeddings, norms
 * and biases are copied unchanged. The result is a Hugging Face layout directory
 * (docs/lm-compressed-format.md) that {@link DecoderModel#open} runs directly.
 */
public final class LmCompressor {
    /** What to build. format: "auto" or a {@link WeightFormats} name; layers: which projections (null = all). */
    public record Settings(String format, boolean int8, boolean int8Head, Pattern layers, double budgetMillis) {
        public Settings {
            if (format == null) throw new IllegalArgumentException("no format given");
            // rejects unknown names
            if (!format.equals("auto") && WeightFormats.encode(format, new float[] {1f}, 1, 1, false) instanceof SlicedEllMatrix)
                throw new IllegalArgumentException("format sell has no packed-checkpoint form (its layout depends on the machine's vector width); use csr");
            if (!(budgetMillis > 0)) throw new IllegalArgumentException("timing budget must be > 0 ms");
        }
    }

    /** One projection's outcome: its format, bytes before and after, stored nonzeros and why. */
    public record Layer(String name, int out, int in, String format, long denseBytes, long bytes, long nonzeros, String reason,
                        Map<String, Object> choice) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("shape", List.of(out, in));
            m.put("format", format);
            m.put("dense_bytes", denseBytes);
            m.put("bytes", bytes);
            m.put("density", (double) nonzeros / ((long) out * in));
            m.put("reason", reason);
            if (choice != null) m.put("candidates", choice.get("candidates"));
            return m;
        }
    }

    private LmCompressor() {}

    /**
     * Writes src, compressed as settings say, to dir. log (may be null) gets a line per layer.
     *
     * @throws IllegalArgumentException when a layer cannot take the given format (e.g. "2:4" for a
     *     weight that is not 2:4 sparse), or the layer pattern matches nothing
     */
    public static List<Layer> compress(HfCheckpoint src, DecoderModel model, Settings settings, Path dir, PrintStream log) throws IOException {
        if (!PackedWeights.listed(src).isEmpty()) throw new IllegalArgumentException(src.dir() + " is already compressed");
        // No sliced ELL: a packed checkpoint has no form for it (its layout depends on the vector width), and
        // decoding streams the weights from memory, where its padding makes it slower than CSR.
        FormatChooser chooser = new FormatChooser(FormatChooser.Goal.LATENCY, settings.budgetMillis()).excluding("sell");
        Map<String, WeightMatrix> packed = new LinkedHashMap<>();
        List<Layer> layers = new ArrayList<>();
        for (Projection p : model.blockProjections()) {
            if (settings.layers() != null && !settings.layers().matcher(p.name()).find()) continue;
            float[] w = p.toOutIn();
            long nnz = 0;
            for (float v : w) if (v != 0f) nnz++;
            WeightMatrix m;
            String reason;
            Map<String, Object> choice = null;
            if (settings.format().equals("auto")) {
                FormatChooser.Choice c = chooser.choose(w, p.out(), p.in(), settings.int8(), 1, 16);
                m = c.matrix();
                reason = c.reason();
                choice = c.toMap();
            } else {
                try {
                    m = WeightFormats.encode(settings.format(), w, p.out(), p.in(), settings.int8());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(p.name() + ": cannot store as " + settings.format() + ": " + e.getMessage(), e);
                }
                reason = "given";
            }
            boolean keepTensor = m.format().equals("dense");   // dense fp32 runs from the original tensor, in its own dtype
            if (!keepTensor) packed.put(p.name() + ".weight", m);
            Layer layer = new Layer(p.name(), p.out(), p.in(), keepTensor ? "dense (" + p.dtype() + ")" : m.format(), p.weightBytes(),
                    keepTensor ? p.weightBytes() : m.bytes(), nnz, reason, choice);
            layers.add(layer);
            if (log != null) log.printf(Locale.ROOT, "  %-36s %5d×%-5d density %.3f → %-14s %,12d bytes (%s)%n", p.name(), p.out(), p.in(),
                    (double) nnz / ((long) p.out() * p.in()), layer.format(), layer.bytes(), reason);
        }
        if (layers.isEmpty()) throw new IllegalArgumentException("the layer pattern '" + settings.layers() + "' matches no projection");
        if (settings.int8Head()) {
            Projection head = model.head();
            packed.put("lm_head.weight", DenseMatrix.int8(head.toOutIn(), head.out(), head.in()));
        }
        write(src, packed, dir);
        return layers;
    }

    /** src's tensors with the packed weights' tensors instead of theirs, and config.json listing them. */
    static void write(HfCheckpoint src, Map<String, WeightMatrix> packed, Path dir) throws IOException {
        List<HfCheckpointWriter.Entry> entries = new ArrayList<>();
        for (MappedTensor t : src.tensors().values()) if (!packed.containsKey(t.name())) entries.add(HfCheckpointWriter.copy(t));
        Map<String, Object> listed = new LinkedHashMap<>();
        for (var e : packed.entrySet()) {
            entries.addAll(PackedWeights.entries(e.getKey(), e.getValue()));
            listed.put(e.getKey(), PackedWeights.describe(e.getValue()));
        }
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("format_version", (long) PackedWeights.FORMAT_VERSION);
        section.put("weights", listed);
        Map<String, Object> config = new LinkedHashMap<>(src.config());
        config.put(PackedWeights.CONFIG_KEY, section);
        HfCheckpointWriter.write(dir, config, entries, null, src.dir());
    }
}
