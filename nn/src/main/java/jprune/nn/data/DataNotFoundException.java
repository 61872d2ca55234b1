package jprune.nn.data;

import java.io.IOException;

/** The data set is not where jprune looked; the message says where it looked and how to get it. */
public final class DataNotFoundException extends IOException {
    public DataNotFoundException(String message) {
        super(message);
    }
}
