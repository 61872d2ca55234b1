package jprune.lm.prune;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where pruned weights wait until the checkpoint is written: regions of one temporary file, mapped,
 * so that pruning a model larger than the heap keeps neither the pruned weights on the heap nor in
 * anonymous memory (the kernel can page them out like the input's mapped weights). The file is
 * deleted on close.
 */
public final class PrunedTensorStore implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final Arena arena = Arena.ofShared();
    private long size;

    /** A store in a temporary file inside dir. */
    public PrunedTensorStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        file = Files.createTempFile(dir, ".jprune-pruned-", ".tmp");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** A fresh zeroed region of bytes, mapped read-write, valid until close. */
    public MemorySegment allocate(long bytes) throws IOException {
        long offset = (size + 63) & ~63L;
        size = offset + bytes;
        if (bytes == 0) return MemorySegment.NULL.reinterpret(0);
        return channel.map(FileChannel.MapMode.READ_WRITE, offset, bytes, arena);
    }

    /** Bytes of the store's file. */
    public long bytes() {
        return size;
    }

    @Override
    public void close() throws IOException {
        try {
            arena.close();
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
