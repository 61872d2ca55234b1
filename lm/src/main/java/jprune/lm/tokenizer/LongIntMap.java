package jprune.lm.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing hash map from long keys to int values, for token-pair tables where boxing a
 * {@code Map<Long, Integer>} would dominate the run time. Keys are arbitrary longs; the absent
 * value is returned as {@code missing}.
 */
final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] values;
    private int size;
    private boolean hasEmptyKey;
    private int emptyKeyValue;

    LongIntMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, EMPTY);
        values = new int[cap];
    }

    static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    static int first(long pair) {
        return (int) (pair >>> 32);
    }

    static int second(long pair) {
        return (int) pair;
    }

    int size() {
        return size + (hasEmptyKey ? 1 : 0);
    }

    private static int mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        return (int) k;
    }

    private int slot(long key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    int get(long key, int missing) {
        if (key == EMPTY) return hasEmptyKey ? emptyKeyValue : missing;
        int i = slot(key);
        return keys[i] == EMPTY ? missing : values[i];
    }

    void put(long key, int value) {
        if (key == EMPTY) {
            hasEmptyKey = true;
            emptyKeyValue = value;
            return;
        }
        int i = slot(key);
        if (keys[i] == EMPTY) {
            keys[i] = key;
            size++;
            values[i] = value;
            if (size * 2 > keys.length) grow();
        } else {
            values[i] = value;
        }
    }

    /** Adds {@code delta} to the value of {@code key} (absent counts as 0) and returns the sum. */
    int add(long key, int delta) {
        int v = get(key, 0) + delta;
        put(key, v);
        return v;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        values = new int[keys.length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) if (oldKeys[i] != EMPTY) put(oldKeys[i], oldValues[i]);
    }

    /** Calls {@code action} for every entry, in table order. */
    void forEach(Entry action) {
        if (hasEmptyKey) action.accept(EMPTY, emptyKeyValue);
        for (int i = 0; i < keys.length; i++) if (keys[i] != EMPTY) action.accept(keys[i], values[i]);
    }

    @FunctionalInterface
    interface Entry {
        void accept(long key, int value);
    }
}
