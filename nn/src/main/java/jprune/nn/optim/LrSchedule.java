package jprune.nn.optim;

/**
 * Learning rate as a function of the optimizer step (0-based). Built from the base rate and the
 * run's total number of steps; {@link #withWarmup} ramps linearly from ~0 over the first steps.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(int step);

    static LrSchedule constant(double base) {
        return step -> base;
    }

    /** base·gamma^⌊step/stepSize⌋ (PyTorch's StepLR with the period in steps). */
    static LrSchedule stepDecay(double base, int stepSize, double gamma) {
        if (stepSize < 1) throw new IllegalArgumentException("step size must be >= 1, got " + stepSize);
        return step -> base * Math.pow(gamma, step / stepSize);
    }

    /** Cosine annealing from base to minLr over totalSteps, then minLr. */
    static LrSchedule cosine(double base, double minLr, int totalSteps) {
        if (totalSteps < 1) throw new IllegalArgumentException("cosine schedule needs >= 1 total steps, got " + totalSteps);
        return step -> step >= totalSteps ? minLr : minLr + 0.5 * (base - minLr) * (1 + Math.cos(Math.PI * step / totalSteps));
    }

    /** base·gamma^(step/period): exponential decay by gamma every period steps, applied smoothly. */
    static LrSchedule exponential(double base, double gamma, int period) {
        if (period < 1) throw new IllegalArgumentException("period must be >= 1, got " + period);
        return step -> base * Math.pow(gamma, (double) step / period);
    }

    /** Linear warm-up over warmupSteps (from lr/warmupSteps up to the schedule's value), then this schedule. */
    default LrSchedule withWarmup(int warmupSteps) {
        if (warmupSteps <= 0) return this;
        return step -> step < warmupSteps ? lr(step) * (step + 1) / warmupSteps : lr(step);
    }
}
