package jprune.lm.prune;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where pruned weights wait until the checkpoint is written: regions of one temporary file, so that
 * pruning a model larger than the heap keeps the pruned weights neither on the heap nor in
 * anonymous memory. A block's regions are mapped while the block runs and unmapped by
 * {@link #endBlock()}, so the process holds at most one block of them; the writer then copies each
 * tensor out of the file with {@link #copyTo}. The file is deleted on close.
 */
public final class PrunedTensorStore implements AutoCloseable {
    private record Region(long offset, long bytes) {}

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Region> regions = new LinkedHashMap<>();
    private Arena block = Arena.ofShared();
    private long size;

    /** A store in a temporary file inside dir. */
    public PrunedTensorStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        file = Files.createTempFile(dir, ".jprune-pruned-", ".tmp");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** A fresh zeroed region for tensor name, mapped read-write until {@link #endBlock()}. */
    public MemorySegment allocate(String name, long bytes) throws IOException {
        if (regions.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' is stored already");
        long offset = (size + 63) & ~63L;
        size = offset + bytes;
        regions.put(name, new Region(offset, bytes));
        if (bytes == 0) return MemorySegment.NULL.reinterpret(0);
        return channel.map(FileChannel.MapMode.READ_WRITE, offset, bytes, block);
    }

    /** Unmaps every region allocated so far: their segments are invalid afterwards, their bytes stay in the file. */
    public void endBlock() {
        block.close();
        block = Arena.ofShared();
    }

    /** Names of the stored tensors, in the order they were stored. */
    public java.util.Set<String> names() {
        return regions.keySet();
    }

    /** Copies tensor name's bytes into dst (exactly as long). */
    public void copyTo(String name, MemorySegment dst) throws IOException {
        Region r = regions.get(name);
        if (r == null) throw new IllegalArgumentException("no stored tensor '" + name + "'");
        if (dst.byteSize() != r.bytes()) throw new IllegalArgumentException(name + ": " + dst.byteSize() + " bytes for " + r.bytes());
        ByteBuffer buf = dst.asByteBuffer();
        long pos = r.offset();
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) throw new IOException(file + ": ended before tensor '" + name + "'");
            pos += n;
        }
    }

    /** Bytes of the store's file. */
    public long bytes() {
        return size;
    }

    @Override
    public void close() throws IOException {
        try {
            block.close();
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
