package jprune.cli;

/** A usage error found after parsing (an invalid combination or value): exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
