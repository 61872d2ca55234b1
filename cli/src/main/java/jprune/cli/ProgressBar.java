package jprune.cli;

import java.io.PrintStream;
import java.util.Locale;
import jprune.nn.train.EpochRecord;
import jprune.nn.train.TrainingListener;

/**
 * Training progress on stderr: a live bar (epoch, batch, loss, samples/s) on a terminal, redrawn at
 * most five times a second; on a pipe or file, one line per epoch.
 */
final class ProgressBar implements TrainingListener {
    private final PrintStream out;
    private final int epochs, rounds;
    private final boolean live;
    private long lastDraw;
    private int epochsDone;

    ProgressBar(PrintStream out, int epochs) {
        this(out, epochs, 1);
    }

    /** For rounds of the same number of epochs each (iterative pruning): lines name the round. */
    ProgressBar(PrintStream out, int epochs, int rounds) {
        this.out = out;
        this.epochs = epochs;
        this.rounds = Math.max(1, rounds);
        this.live = System.console() != null && System.getenv("JPRUNE_NO_PROGRESS") == null;
    }

    private String round() {
        return rounds == 1 ? "" : String.format(Locale.ROOT, "round %d/%d, ", Math.min(rounds, epochsDone / Math.max(1, epochs) + 1), rounds);
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, double loss, double samplesPerSecond) {
        if (!live) return;
        long now = System.nanoTime();
        if (batch != batches && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        int width = 24, filled = (int) ((long) width * batch / batches);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        out.printf(Locale.ROOT, "\r%sepoch %d/%d [%s] %d/%d  loss %.4f  %,.0f samples/s ", round(), epoch + 1, epochs, bar, batch, batches, loss, samplesPerSecond);
        out.flush();
    }

    @Override
    public void onEpoch(EpochRecord r) {
        if (live) out.print("\r" + " ".repeat(100) + "\r");
        out.printf(Locale.ROOT, "%sepoch %d/%d  loss %.4f  test accuracy %.2f%%  %.1f s%n", round(), r.epoch(), epochs, r.loss(), 100 * r.testAccuracy(), r.seconds());
        epochsDone++;
        out.flush();
    }
}
