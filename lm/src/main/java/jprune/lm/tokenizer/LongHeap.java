package jprune.lm.tokenizer;

import java.util.Arrays;

/** A binary min-heap of longs (callers pack a priority and a payload into one long). */
final class LongHeap {
    private long[] a;
    private int n;

    LongHeap(int capacity) {
        a = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
        return n == 0;
    }

    int size() {
        return n;
    }

    void push(long v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        int i = n++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (a[p] <= v) break;
            a[i] = a[p];
            i = p;
        }
        a[i] = v;
    }

    long peek() {
        return a[0];
    }

    long pop() {
        long top = a[0];
        long last = a[--n];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && a[c + 1] < a[c]) c++;
            if (a[c] >= last) break;
            a[i] = a[c];
            i = c;
        }
        a[i] = last;
        return top;
    }
}
