package jprune.lm.train;

import jprune.nn.optim.LrSchedule;

/**
 * Linear warm-up to the peak rate, then cosine decay to a floor at the last step: the usual
 * language-model schedule (nanoGPT, the Llama papers). Step s (0-based) of warm-up gets
 * peak·(s+1)/warmup; after it, the cosine runs over the remaining steps so that the last step
 * (total − 1) gets exactly the floor.
 */
public record WarmupCosine(double peak, double floor, int warmup, int total) implements LrSchedule {
    public WarmupCosine {
        if (!(peak > 0) || floor < 0 || floor > peak) throw new IllegalArgumentException("schedule: need peak > 0 and 0 <= floor <= peak, got " + peak + ", " + floor);
        if (total < 1 || warmup < 0 || warmup > total) throw new IllegalArgumentException("schedule: need 0 <= warmup <= total and total >= 1, got " + warmup + ", " + total);
    }

    @Override
    public double lr(int step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        int span = total - 1 - warmup;
        if (span <= 0) return peak;
        double progress = Math.min(1.0, (double) (step - warmup) / span);
        return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
    }
}
