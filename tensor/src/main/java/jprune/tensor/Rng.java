package jprune.tensor;

/**
 * A small deterministic random generator (SplitMix64). Every random choice in jprune takes one,
 * seeded explicitly, so the same seed gives the same numbers on every machine and JDK.
 */
public final class Rng {
    private long state;
    private double spareGaussian;
    private boolean hasSpare;

    public Rng(long seed) {
        this.state = seed;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Standard normal (Box-Muller, caching the second value). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spareGaussian = v * m;
        hasSpare = true;
        return u * m;
    }

    /** A new generator whose stream is independent of this one's, for a named sub-task. */
    public Rng fork(long salt) {
        return new Rng(nextLong() ^ (salt * 0xD1B54A32D192ED03L));
    }

    /** Fisher-Yates shuffle of an int array in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
