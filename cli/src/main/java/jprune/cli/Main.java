package jprune.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the jprune command line. Exit codes: 0 success, 2 usage error (the message names
 * the flag), 1 any other failure (one line on stderr saying why).
 */
@Command(name = "jprune", mixinStandardHelpOptions = true, version = "jprune 0.1.0",
        description = "Train, prune, compress and measure neural networks on the JVM.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, PruneCommand.class, LotteryCommand.class, SweepCommand.class, InspectCommand.class, CompressCommand.class, BenchCommand.class, LmCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " + spec.subcommands().keySet());
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println(displayName(cmd) + ": " + oneLine(ex));
            if (System.getenv("JPRUNE_DEBUG") != null) ex.printStackTrace(err);
            err.flush();
            return ex instanceof UsageException ? 2 : 1;
        });
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(displayName(ex.getCommandLine()) + ": " + ex.getMessage());
            err.println("Try '" + displayName(ex.getCommandLine()) + " --help' for the options.");
            err.flush();
            return 2;
        });
        return cli;
    }

    /** "jprune", "jprune train", "jprune bench gemm": how the user typed the command. */
    private static String displayName(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName(" ");
    }

    static String oneLine(Throwable ex) {
        Throwable t = ex;
        String msg = t.getMessage();
        while ((msg == null || msg.isBlank()) && t.getCause() != null) {
            t = t.getCause();
            msg = t.getMessage();
        }
        if (t instanceof OutOfMemoryError) msg = "out of memory (" + msg + "); raise the heap with JPRUNE_JAVA_OPTS=-Xmx4g";
        if (msg == null) msg = t.getClass().getSimpleName();
        return msg.replace('\n', ' ');
    }
}
