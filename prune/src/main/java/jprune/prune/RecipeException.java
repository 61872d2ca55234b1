package jprune.prune;

/**
 * An invalid {@link PruneRecipe} field. The message reads "recipe field 'F'" followed by the reason;
 * callers that took the value from elsewhere (a command-line flag) can name it their way with
 * {@link #field()} and {@link #reason()}.
 */
public final class RecipeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    /**
     * @param field  the recipe key, dotted for nested ones ("finetune.epochs")
     * @param reason the rest of the sentence after the field's name, starting with a space or a colon
     *               (" must be >= 0, got -1", ": N must be < M")
     */
    public RecipeException(String field, String reason) {
        super("recipe field '" + field + "'" + reason);
        this.field = field;
        this.reason = reason;
    }

    /** The recipe key, dotted for nested ones. */
    public String field() {
        return field;
    }

    /** The rest of the sentence after the field's name. */
    public String reason() {
        return reason;
    }
}
