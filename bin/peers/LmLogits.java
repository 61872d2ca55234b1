import java.nio.file.*;
import jprune.lm.hf.*;
import jprune.lm.model.*;

/** Writes jprune's logits of a checkpoint for the given token ids, one float per line: java -cp cli/target/jprune.jar bin/peers/LmLogits.java DIR IDS FILE. */
public class LmLogits {
    public static void main(String[] a) throws Exception {
        String[] parts = a[1].split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < ids.length; i++) ids[i] = Integer.parseInt(parts[i]);
        try (HfCheckpoint ck = HfCheckpoint.open(Path.of(a[0]))) {
            DecoderModel m = DecoderModel.open(ck);
            float[] h = m.forward(ids, 0, ids.length, new KvCache(m.config(), ids.length));
            float[] out = new float[ids.length * m.config().vocabSize()];
            m.logits(h, ids.length, out);
            StringBuilder sb = new StringBuilder();
            for (float x : out) sb.append(x).append('\n');
            Files.writeString(Path.of(a[2]), sb);
        }
    }
}
