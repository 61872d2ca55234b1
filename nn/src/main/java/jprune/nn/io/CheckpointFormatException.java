package jprune.nn.io;

import java.io.IOException;

/** A checkpoint file that is malformed, truncated or not what the reader expects. */
public final class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(message);
    }
}
