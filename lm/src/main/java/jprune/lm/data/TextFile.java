package jprune.lm.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import jprune.nn.data.DataFormatException;
import jprune.nn.data.DataNotFoundException;

/**
 * A UTF-8 text file read whole (what {@code --text FILE} names). Decoding is strict: a malformed
 * or truncated byte sequence is an error naming the file and the byte offset, never a replacement
 * character. A leading byte-order mark is dropped. Nothing else is changed: line ends (CRLF or LF),
 * Unicode normalisation and whitespace stay as they are, as Hugging Face's tokenizers and the
 * usual perplexity scripts see a file. The size is checked against a limit before anything is read.
 */
public final class TextFile {
    /** The default size limit: 256 MiB, some 64 million tokens of English. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    /** The largest limit that fits one Java array. */
    public static final long MAX_BYTES_CEILING = Integer.MAX_VALUE - 8;

    private TextFile() {}

    /** The file's text, up to {@link #DEFAULT_MAX_BYTES}. */
    public static String read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_BYTES);
    }

    /** The file's text; a file larger than maxBytes is an error, reported before it is read. */
    public static String read(Path file, long maxBytes) throws IOException {
        if (maxBytes < 0 || maxBytes > MAX_BYTES_CEILING)
            throw new IllegalArgumentException("maxBytes must be in [0, " + MAX_BYTES_CEILING + "], got " + maxBytes);
        if (!Files.exists(file)) throw new DataNotFoundException("text file " + file + " not found");
        if (Files.isDirectory(file)) throw new DataNotFoundException("text file " + file + " is a directory, not a file");
        // A pipe or device has no size to check in advance, so only regular files are read.
        if (!Files.isRegularFile(file)) throw new DataFormatException("text file " + file + " is not a regular file");
        if (!Files.isReadable(file)) throw new DataFormatException("text file " + file + " cannot be read (permission denied)");
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DataNotFoundException("text file " + file + " not found");
        }
        if (size > maxBytes) throw new DataFormatException(tooLarge(file, size, maxBytes));
        byte[] bytes = new byte[(int) size];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(bytes, 0, bytes.length);
            if (n != bytes.length || in.read() != -1)
                throw new DataFormatException("text file " + file + " changed size while it was read (" + size + " bytes expected)");
        } catch (NoSuchFileException e) {
            throw new DataNotFoundException("text file " + file + " not found");
        }
        return decode(file.toString(), bytes);
    }

    /** Strict UTF-8 decoding of bytes read from source (named in errors), without a leading BOM. */
    public static String decode(String source, byte[] bytes) throws DataFormatException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never yields more chars than bytes
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        if (r.isError()) throw new DataFormatException(malformed(source, bytes, in.position(), r.length()));
        out.flip();
        int start = out.length() > 0 && out.charAt(0) == '\uFEFF' ? 1 : 0;
        return out.subSequence(start, out.length()).toString();
    }

    private static String malformed(String source, byte[] bytes, int offset, int length) {
        StringBuilder hex = new StringBuilder();
        for (int i = offset; i < Math.min(bytes.length, offset + Math.max(length, 1)); i++)
            hex.append(hex.isEmpty() ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xff));
        String where = offset + length >= bytes.length && isLeadByte(bytes[offset])
                ? "; the file ends inside a multi-byte character" : "";
        return source + ": not valid UTF-8 at byte offset " + offset + " (" + hex + ")" + where;
    }

    private static boolean isLeadByte(byte b) {
        int v = b & 0xff;
        return v >= 0xC2 && v <= 0xF4;
    }

    private static String tooLarge(Path file, long size, long maxBytes) {
        return "text file " + file + " is " + size + " bytes, more than the limit of " + maxBytes + " bytes";
    }
}
