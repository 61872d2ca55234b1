package jprune.deploy.io;

import java.io.IOException;

/** A compressed model file that cannot be read: truncated, corrupt, foreign, or of an unsupported version. */
public final class CompressedFormatException extends IOException {
    public CompressedFormatException(String message) {
        super(message);
    }
}
