package jprune.nn.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    static byte[] idx(int type, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        b.put(payload);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(data);
        }
        return out.toByteArray();
    }

    /** Writes a complete small data set: n training and m test images with labels i % 10. */
    void writeDataSet(Path d, int n, int m, boolean gz) throws IOException {
        Files.createDirectories(d);
        for (String split : new String[] {"train", "t10k"}) {
            int count = split.equals("train") ? n : m;
            byte[] px = new byte[count * 784], lab = new byte[count];
            for (int i = 0; i < count; i++) {
                lab[i] = (byte) (i % 10);
                Arrays.fill(px, i * 784, (i + 1) * 784, (byte) (i * 7));
            }
            write(d.resolve(split + "-images-idx3-ubyte"), idx(8, new int[] {count, 28, 28}, px), gz);
            write(d.resolve(split + "-labels-idx1-ubyte"), idx(8, new int[] {count}, lab), gz);
        }
    }

    static void write(Path p, byte[] data, boolean gz) throws IOException {
        if (gz) Files.write(p.resolveSibling(p.getFileName() + ".gz"), gzip(data));
        else Files.write(p, data);
    }

    @Test
    void loadsRawAndGzippedFiles() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            Path d = dir.resolve(gz ? "gz" : "raw");
            writeDataSet(d, 30, 12, gz);
            DataSplit train = FashionMnist.load(FashionMnist.locate(d), true);
            assertEquals(30, train.count());
            assertEquals(3, train.labels()[13]);
            assertEquals((13 * 7 & 0xff) / 255f, train.images()[13 * 784 + 100], 1e-7);
            assertEquals(12, FashionMnist.load(d, false).count());
        }
    }

    void assertFormatError(byte[] content, boolean gz, String expected) throws IOException {
        Path p = dir.resolve("bad-idx3-ubyte" + (gz ? ".gz" : ""));
        Files.write(p, gz ? gzip(content) : content);
        var e = assertThrows(DataFormatException.class, () -> Idx.read(p, 3));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(p.getFileName().toString()), e.getMessage());
    }

    @Test
    void rejectsBrokenFilesWithClearMessages() throws IOException {
        byte[] good = idx(8, new int[] {2, 28, 28}, new byte[2 * 784]);
        assertFormatError(new byte[] {1, 2, 8, 3}, false, "not an IDX file");
        assertFormatError(idx(8, new int[] {2, 28}, new byte[56]), false, "2 dimensions, expected 3");
        assertFormatError(idx(0x0d, new int[] {2, 28, 28}, new byte[0]), false, "not supported");
        assertFormatError(Arrays.copyOf(good, good.length - 100), false, "truncated");
        assertFormatError(Arrays.copyOf(good, good.length - 100), true, "truncated");
        assertFormatError(Arrays.copyOf(good, 10), false, "truncated");
        assertFormatError(Arrays.copyOf(good, good.length + 3), false, "extra data");
        assertFormatError(idx(8, new int[] {0x7fffffff, 28, 28}, new byte[10]), false, "dimension 0");
        assertFormatError(idx(8, new int[] {9_000_000, 28, 28}, new byte[10]), true, "too large");
        byte[] corrupt = gzip(good);
        for (int i = 20; i < corrupt.length - 8; i++) corrupt[i] ^= 0x5a;
        Path p = dir.resolve("corrupt.gz");
        Files.write(p, corrupt);
        var e = assertThrows(DataFormatException.class, () -> Idx.read(p, 3));
        assertTrue(e.getMessage().contains("corrupt.gz"), e.getMessage());
    }

    @Test
    void rejectsBadLabelsAndMismatchedCounts() throws IOException {
        Path d = dir.resolve("labels");
        writeDataSet(d, 20, 10, false);
        byte[] lab = new byte[20];
        lab[7] = 12;
        Files.write(d.resolve("train-labels-idx1-ubyte"), idx(8, new int[] {20}, lab));
        var e = assertThrows(DataFormatException.class, () -> FashionMnist.load(d, true));
        assertTrue(e.getMessage().contains("label 12 at index 7"), e.getMessage());
        Files.write(d.resolve("train-labels-idx1-ubyte"), idx(8, new int[] {19}, new byte[19]));
        e = assertThrows(DataFormatException.class, () -> FashionMnist.load(d, true));
        assertTrue(e.getMessage().contains("19 labels for 20 images"), e.getMessage());
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path d = dir.resolve("partial");
        writeDataSet(d, 10, 10, true);
        Files.delete(d.resolve("t10k-labels-idx1-ubyte.gz"));
        var e = assertThrows(DataNotFoundException.class, () -> FashionMnist.locate(d));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte") && e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void batchesAreDeterministicAndCoverEverySampleOnce() throws IOException {
        Path d = dir.resolve("b");
        writeDataSet(d, 53, 10, false);
        DataSplit s = FashionMnist.load(d, true);
        Batches a = new Batches(s, 8, true, 42, false), b = new Batches(s, 8, true, 42, false);
        assertEquals(7, a.batchesPerEpoch());
        assertArrayEquals(a.order(3), b.order(3));
        assertFalse(Arrays.equals(a.order(0), a.order(1)), "epochs are shuffled differently");
        Set<Integer> seen = new HashSet<>();
        int last = 0;
        for (Batches.Batch batch : a.epoch(2)) {
            assertArrayEquals(new int[] {batch.size(), 1, 28, 28}, batch.x().shape());
            for (int i = 0; i < batch.size(); i++) {
                int label = batch.labels()[i];
                float px = batch.x().data()[i * 784];
                // Recover the sample index from its pixel value (i·7 mod 256) and label (i mod 10).
                for (int k = 0; k < 53; k++) if (k % 10 == label && ((k * 7) & 0xff) / 255f == px) seen.add(k);
            }
            last = batch.size();
        }
        assertEquals(53, seen.size());
        assertEquals(5, last, "the last, partial batch is kept");
    }

    @Test
    void realFashionMnistHasTheExpectedShape() throws IOException {
        Assumptions.assumeTrue(Files.exists(FashionMnist.DEBIAN_DIR.resolve("train-images-idx3-ubyte.gz")), "Debian's dataset-fashion-mnist not installed");
        DataSplit train = FashionMnist.load(FashionMnist.DEBIAN_DIR, true), test = FashionMnist.load(FashionMnist.DEBIAN_DIR, false);
        assertEquals(60000, train.count());
        assertEquals(10000, test.count());
        int[] hist = new int[10];
        for (int l : train.labels()) hist[l]++;
        for (int h : hist) assertEquals(6000, h);
    }
}
