package jprune.lm.prune;

/**
 * What a pruned matrix must look like: a fraction of its weights removed (unstructured), or at
 * most n nonzeros kept in every group of m consecutive inputs of a row (n:m, e.g. 2:4).
 */
public record SparsityPattern(double sparsity, int n, int m) {

    public SparsityPattern {
        if (m == 0) {
            if (!(sparsity > 0 && sparsity < 1)) throw new IllegalArgumentException("--sparsity must be in (0, 1), got " + sparsity);
        } else {
            // N = 0 would remove every weight, as --sparsity 1 would: both are refused.
            if (n < 1 || m < 2 || n >= m) throw new IllegalArgumentException("--pattern N:M needs 1 <= N < M, got " + n + ":" + m);
            sparsity = (double) (m - n) / m;
        }
    }

    public static SparsityPattern unstructured(double sparsity) {
        return new SparsityPattern(sparsity, 0, 0);
    }

    public static SparsityPattern nOfM(int n, int m) {
        return new SparsityPattern(0, n, m);
    }

    /** Parses "2:4" (the --pattern flag). */
    public static SparsityPattern parse(String pattern) {
        String[] parts = pattern.trim().split(":");
        if (parts.length != 2) throw new IllegalArgumentException("--pattern must be N:M (e.g. 2:4), got '" + pattern + "'");
        try {
            return nOfM(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--pattern must be N:M with whole numbers (e.g. 2:4), got '" + pattern + "'");
        }
    }

    public boolean isNofM() {
        return m > 0;
    }

    /** Weights removed from c candidates: floor(sparsity·c) (unstructured only). */
    public int prunedOf(long c) {
        return (int) Math.floor(sparsity * c);
    }

    /** Checks that a layer of this input width can take the pattern. */
    public void checkWidth(String layer, int in) {
        if (isNofM() && in % m != 0)
            throw new IllegalArgumentException("--pattern " + this + ": M = " + m + " does not divide the input width " + in + " of " + layer);
    }

    @Override
    public String toString() {
        return isNofM() ? n + ":" + m : "unstructured";
    }
}
