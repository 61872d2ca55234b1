package jprune.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jprune.nn.Module;
import jprune.nn.autograd.GradMode;
import jprune.nn.autograd.Variable;
import jprune.nn.infer.InferencePlan;
import jprune.nn.io.AtomicFiles;
import jprune.nn.io.Json;
import jprune.nn.io.ModelCheckpoint;
import jprune.nn.models.ModelConfig;
import jprune.tensor.Rng;
import jprune.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code jprune bench serve}: the jprune side of a side-by-side comparison driven by another process
 * (bin/peers/ort_compare.py). It keeps models loaded and warm and answers one JSON request per stdin
 * line with one JSON line on stdout, so the driver can alternate short timed windows between jprune
 * and a peer in one run. Hidden from the help: it is a protocol, not a user command.
 *
 * <p>Requests: {@code load} (name, path: a run directory, .safetensors or .jpz; engine: "plan" for an
 * {@link InferencePlan}, the default, or "module" for {@link Module#forward}), {@code infer} (name, input and out: raw little-endian float32 files,
 * shape), {@code time} (name, batch, seconds, min_calls: per-call median over a window of at least
 * that long), {@code quit}.
 */
@Command(name = "serve", hidden = true, mixinStandardHelpOptions = true,
        description = "Answer load/infer/time requests (JSON lines on stdin) for bin/peers/ort_compare.py.")
final class BenchServeCommand implements Callable<Integer> {
    @Mixin
    ThreadOptions common;

    /** A loaded model as the timed call sees it: logits for a batch of images. */
    private interface Runner {
        float[] run(float[] images, int batch);
    }

    private record Loaded(Runner runner, int[] imageShape, int classes) {}

    private final Map<String, Loaded> models = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        common.apply();
        // Replies go to the real stdout; anything a library prints goes to stderr instead.
        PrintStream reply = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            Map<String, Object> out = new LinkedHashMap<>();
            try {
                Map<String, Object> req = Json.parseObject(line);
                String cmd = string(req, "cmd");
                if (cmd.equals("quit")) break;
                out.put("ok", true);
                switch (cmd) {
                    case "load" -> load(req, out);
                    case "infer" -> infer(req, out);
                    case "time" -> time(req, out);
                    default -> throw new IllegalArgumentException("unknown command '" + cmd + "'");
                }
            } catch (Exception | Error e) {
                out.clear();
                out.put("ok", false);
                out.put("error", Main.oneLine(e));
            }
            reply.println(Json.write(out, false));
        }
        return 0;
    }

    private void load(Map<String, Object> req, Map<String, Object> out) throws IOException {
        String name = string(req, "name");
        Path file = SavedModel.file(Path.of(string(req, "path")));
        String engine = req.getOrDefault("engine", "plan").toString();
        Module model;
        ModelConfig config;
        if (SavedModel.isCompressed(file)) {
            var c = jprune.deploy.io.CompressedModel.read(file);
            model = c.model();
            config = c.config();
        } else {
            ModelCheckpoint.Loaded l = ModelCheckpoint.load(file);
            model = l.model();
            config = l.config();
        }
        model.train(false);
        int ch = config.getInt("in_channels"), size = config.getInt("image_size");
        int[] image = {ch, size, size};
        Runner r = switch (engine) {
            case "plan" -> {
                InferencePlan plan = InferencePlan.compile(model, image[0], image[1], image[2]);
                out.put("plan", plan.toString());
                yield planRunner(plan);
            }
            case "module" -> moduleRunner(model, image);
            default -> throw new IllegalArgumentException("engine must be 'plan' or 'module', got '" + engine + "'");
        };
        models.put(name, new Loaded(r, image, config.getInt("classes")));
        out.put("model", config.name());
        out.put("file", file.toString());
        out.put("engine", engine);
    }

    private static Runner planRunner(InferencePlan plan) {
        return (x, batch) -> {
            float[] y = new float[batch * plan.outputSize()];
            plan.run(x, batch, y);
            return y;
        };
    }

    private static Runner moduleRunner(Module model, int[] image) {
        return (x, batch) -> {
            try (var g = GradMode.noGrad()) {
                return model.forward(Variable.constant(Tensor.of(x, batch, image[0], image[1], image[2]))).value().data();
            }
        };
    }

    private void infer(Map<String, Object> req, Map<String, Object> out) throws IOException {
        Loaded m = model(req);
        List<?> shape = (List<?>) req.get("shape");
        int batch = ((Number) shape.get(0)).intValue(), per = m.imageShape()[0] * m.imageShape()[1] * m.imageShape()[2];
        byte[] raw = Files.readAllBytes(Path.of(string(req, "input")));
        if (raw.length != 4L * batch * per)
            throw new IllegalArgumentException("input holds " + raw.length + " bytes, " + batch + " images need " + 4L * batch * per);
        float[] x = new float[batch * per];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
        float[] y = m.runner().run(x, batch);
        ByteBuffer b = ByteBuffer.allocate(4 * y.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(y);
        AtomicFiles.write(Path.of(string(req, "out")), b.array());
        out.put("shape", List.of(batch, y.length / batch));
    }

    /** Per-call median over a window; the input is seeded pseudo-random pixels, the same every call. */
    private void time(Map<String, Object> req, Map<String, Object> out) {
        Loaded m = model(req);
        int batch = ((Number) req.get("batch")).intValue();
        double seconds = ((Number) req.get("seconds")).doubleValue();
        int minCalls = ((Number) req.getOrDefault("min_calls", 1)).intValue();
        if (batch < 1 || batch > 4096) throw new IllegalArgumentException("batch must be in [1, 4096], got " + batch);
        int per = m.imageShape()[0] * m.imageShape()[1] * m.imageShape()[2];
        float[] x = new float[batch * per];
        Rng rng = new Rng(12345);
        for (int i = 0; i < x.length; i++) x[i] = rng.nextFloat();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        double[] t = new double[1024];
        int n = 0;
        double sum = 0;
        while (System.nanoTime() < end || n < minCalls) {
            long a = System.nanoTime();
            m.runner().run(x, batch);
            double ms = (System.nanoTime() - a) / 1e6;
            if (n == t.length) t = Arrays.copyOf(t, 2 * n);
            t[n++] = ms;
            sum += ms;
        }
        Arrays.sort(t, 0, n);
        out.put("calls", n);
        out.put("median_ms", t[n / 2]);
        out.put("mean_ms", sum / n);
    }

    private Loaded model(Map<String, Object> req) {
        Loaded m = models.get(string(req, "name"));
        if (m == null) throw new IllegalArgumentException("no model loaded as '" + req.get("name") + "'");
        return m;
    }

    private static String string(Map<String, Object> req, String key) {
        if (!(req.get(key) instanceof String s)) throw new IllegalArgumentException("request lacks the string '" + key + "'");
        return s;
    }
}
