package jprune.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A main for tests that start fresh JVMs: runs several jprune commands one after another in this
 * JVM (so later ones meet kernels the JIT has compiled while earlier ones met them interpreted),
 * separated by a lone {@code ::}. Exits with the first non-zero exit code.
 */
public final class CommandSequence {
    private CommandSequence() {}

    public static void main(String[] args) {
        List<String> current = new ArrayList<>();
        List<String[]> commands = new ArrayList<>();
        for (String a : args) {
            if (a.equals("::")) {
                commands.add(current.toArray(String[]::new));
                current.clear();
            } else {
                current.add(a);
            }
        }
        if (!current.isEmpty()) commands.add(current.toArray(String[]::new));
        for (String[] c : commands) {
            int code = Main.run(c);
            if (code != 0) {
                System.err.println("failed with exit code " + code + ": " + Arrays.toString(c));
                System.exit(code);
            }
        }
        System.exit(0);
    }
}
