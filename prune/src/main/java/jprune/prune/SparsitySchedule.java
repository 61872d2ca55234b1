package jprune.prune;

/**
 * When pruning happens and to what sparsity. One-shot and iterative schedules prune between
 * fine-tuning phases (rounds); gradual (AGP) prunes during fine-tuning on a step schedule.
 */
public sealed interface SparsitySchedule permits SparsitySchedule.OneShot, SparsitySchedule.Iterative, SparsitySchedule.Gradual {
    String name();

    /** Prune once to the final sparsity, then fine-tune. */
    record OneShot() implements SparsitySchedule {
        public String name() {
            return "oneshot";
        }
    }

    /**
     * R rounds, each removing the same fraction p of the weights still there, so density after round r
     * is (1 − p)^r and after the last it is 1 − final sparsity: p = 1 − (1 − s)^(1/R).
     */
    record Iterative(int rounds) implements SparsitySchedule {
        public Iterative {
            if (rounds < 1) throw new IllegalArgumentException("iterative schedule needs >= 1 round, got " + rounds);
        }

        public String name() {
            return "iterative:" + rounds;
        }

        /** Target sparsity after round r (1-based) of R for final sparsity s. */
        public double sparsityAfter(int round, double finalSparsity) {
            double perRound = 1 - Math.pow(1 - finalSparsity, 1.0 / rounds);
            return 1 - Math.pow(1 - perRound, round);
        }
    }

    /**
     * Zhu and Gupta's automated gradual pruning: s_t = s_f + (s_0 − s_f)(1 − (t − t_0)/(nΔt))³ for t in
     * [t_0, t_0 + nΔt], updated every Δt steps; before t_0 the sparsity is s_0, after it s_f.
     */
    record Gradual(double initialSparsity, int startStep, int pruneSteps, int frequency) implements SparsitySchedule {
        public Gradual {
            PruneSpec.checkFraction("initial sparsity", initialSparsity);
            if (startStep < 0 || pruneSteps < 1 || frequency < 1)
                throw new IllegalArgumentException("gradual schedule needs start >= 0, n·Δt >= 1 and Δt >= 1, got " + startStep + ", " + pruneSteps + ", " + frequency);
        }

        public String name() {
            return "agp";
        }

        public double sparsityAt(int step, double finalSparsity) {
            if (step <= startStep) return initialSparsity;
            if (step >= startStep + pruneSteps) return finalSparsity;
            double progress = (double) (step - startStep) / pruneSteps;
            return finalSparsity + (initialSparsity - finalSparsity) * Math.pow(1 - progress, 3);
        }

        /** Whether the mask is updated after this step: every Δt steps, and at the end so s_f is reached exactly. */
        public boolean updatesAt(int step) {
            int end = startStep + pruneSteps;
            return step >= startStep && step <= end && ((step - startStep) % frequency == 0 || step == end);
        }
    }

    /**
     * What {@code parse("agp")} gives: "the gradual schedule over the first half of fine-tuning", whose
     * steps depend on the fine-tuning run. {@link PruneRun} replaces this very instance with
     * {@link PruneRun#defaultGradual} for its own fine-tuning; a {@link Gradual} built with its own
     * steps, even equal ones, runs as given.
     */
    Gradual AGP_OVER_FINETUNING = new Gradual(0, 0, 1, 1);

    /** Parses "oneshot", "iterative:R" or "agp" ({@link #AGP_OVER_FINETUNING}). */
    static SparsitySchedule parse(String name) {
        if ("oneshot".equals(name)) return new OneShot();
        if ("agp".equals(name)) return AGP_OVER_FINETUNING;
        if (name != null && name.startsWith("iterative:")) {
            try {
                return new Iterative(Integer.parseInt(name.substring("iterative:".length())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("schedule iterative:R needs a round count R >= 1, got '" + name + "'", e);
            }
        }
        throw new IllegalArgumentException("schedule must be oneshot, iterative:R or agp, got '" + name + "'");
    }
}
