package jprune.nn.io;

/** Malformed JSON, or a JSON value of the wrong type; the message says where and what was expected. */
public final class JsonException extends IllegalArgumentException {
    public JsonException(String message) {
        super(message);
    }
}
