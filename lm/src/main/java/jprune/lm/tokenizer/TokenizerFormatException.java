package jprune.lm.tokenizer;

/**
 * A tokenizer file that cannot be used: malformed, inconsistent, or asking for a component this
 * package does not implement. The message is one line naming what is wrong and what is allowed.
 */
public class TokenizerFormatException extends IllegalArgumentException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
