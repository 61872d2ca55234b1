package jprune.cli;

import java.io.PrintStream;
import java.util.Locale;

/** Progress of a long loop on stderr: a live line on a terminal (at most five redraws a second), nothing on a pipe. */
final class StepProgress {
    private final PrintStream out = System.err;
    private final String label;
    private final int total;
    private final boolean live = System.console() != null && System.getenv("JPRUNE_NO_PROGRESS") == null;
    private long lastDraw;

    StepProgress(String label, int total) {
        this.label = label;
        this.total = total;
    }

    void update(int done, String status) {
        if (!live) return;
        long now = System.nanoTime();
        if (done != total && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        out.printf(Locale.ROOT, "\r%s %d/%d  %s ", label, done, total, status);
        out.flush();
    }

    void finish() {
        if (live) {
            out.print("\r" + " ".repeat(80) + "\r");
            out.flush();
        }
    }
}
