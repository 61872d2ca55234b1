package jprune.deploy.quant;

import java.io.IOException;

/**
 * A coded stream (a Huffman table, Huffman-coded symbols, coded sparse positions) that is truncated,
 * corrupt or inconsistent with what the caller expects. Checked, like the project's other format
 * exceptions, because it reports bad input rather than a bug; the message says what was wrong and
 * at which bit.
 */
public final class CorruptStreamException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptStreamException(String message) {
        super(message);
    }
}
