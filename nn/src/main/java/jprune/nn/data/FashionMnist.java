package jprune.nn.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fashion-MNIST (60,000 training and 10,000 test images, 28×28 grey, 10 classes) from its four IDX
 * files, raw or gzipped. Looks in an explicit directory, then $JPRUNE_DATA (or the jprune.data
 * system property), then where Debian's dataset-fashion-mnist package installs it.
 */
public final class FashionMnist {
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    static final int CLASSES = 10, SIDE = 28;

    private FashionMnist() {}

    /** The directory holding the four files; explicitDir (may be null) takes precedence. */
    public static Path locate(Path explicitDir) throws DataNotFoundException {
        if (explicitDir != null) {
            for (String f : FILES) {
                if (find(explicitDir, f) == null)
                    throw new DataNotFoundException("Fashion-MNIST: " + explicitDir + " lacks " + f + " (or " + f + ".gz); "
                            + "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or point --data at a directory holding the four IDX files");
            }
            return explicitDir;
        }
        List<Path> tried = new ArrayList<>();
        String env = System.getProperty("jprune.data", System.getenv("JPRUNE_DATA"));
        if (env != null && !env.isBlank()) tried.add(Path.of(env));
        tried.add(DEBIAN_DIR);
        for (Path dir : tried) if (complete(dir)) return dir;
        throw new DataNotFoundException("Fashion-MNIST not found (looked in " + tried + "); install it with "
                + "'apt-get install dataset-fashion-mnist', or pass --data DIR / set JPRUNE_DATA to a directory holding the four IDX files");
    }

    private static boolean complete(Path dir) {
        for (String f : FILES) if (find(dir, f) == null) return false;
        return true;
    }

    private static Path find(Path dir, String base) {
        for (Path p : List.of(dir.resolve(base + ".gz"), dir.resolve(base))) if (Files.isRegularFile(p)) return p;
        return null;
    }

    /** Loads the training (train = true) or test split, validating sizes and labels. */
    public static DataSplit load(Path dir, boolean train) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path imgFile = find(dir, prefix + "-images-idx3-ubyte"), labFile = find(dir, prefix + "-labels-idx1-ubyte");
        if (imgFile == null || labFile == null) throw new DataNotFoundException("Fashion-MNIST: " + dir + " lacks the " + prefix + " files");
        Idx.Array img = Idx.read(imgFile, 3), lab = Idx.read(labFile, 1);
        int n = img.dims()[0];
        if (img.dims()[1] != SIDE || img.dims()[2] != SIDE)
            throw new DataFormatException(imgFile.getFileName() + ": images are " + img.dims()[1] + "×" + img.dims()[2] + ", expected 28×28");
        if (lab.dims()[0] != n)
            throw new DataFormatException(labFile.getFileName() + ": " + lab.dims()[0] + " labels for " + n + " images in " + imgFile.getFileName());
        int[] labels = new int[n];
        byte[] lb = lab.data();
        for (int i = 0; i < n; i++) {
            labels[i] = lb[i] & 0xff;
            if (labels[i] >= CLASSES)
                throw new DataFormatException(labFile.getFileName() + ": label " + labels[i] + " at index " + i + " is outside 0..9");
        }
        byte[] px = img.data();
        float[] images = new float[px.length];
        for (int i = 0; i < px.length; i++) images[i] = (px[i] & 0xff) / 255f;
        return new DataSplit(train ? "fashion-mnist/train" : "fashion-mnist/test", images, labels, n, 1, SIDE, SIDE, CLASSES);
    }
}
