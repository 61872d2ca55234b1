package jprune.nn.data;

import java.io.IOException;

/** A data file that is truncated, corrupt or inconsistent; the message names the file and the problem. */
public final class DataFormatException extends IOException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
