package jprune.cli;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " + Main.visibleSubcommands(spec.commandLine()));
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (OutOfMemoryError | StackOverflowError e) {
            // picocli hands errors (not exceptions) straight through: still one line, not a stack trace.
            System.err.println("jprune: " + oneLine(e));
            if (System.getenv("JPRUNE_DEBUG") != null) e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs the CLI and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = withHandlers(new CommandLine(new Main()));
        joinDescriptionLines(cli);
        return cli;
    }

    /**
     * The commands' descriptions are written as source lines of about 120 characters; printed as they
     * are, each would be wrapped at the help's width on its own, leaving a ragged half-line after every
     * one. Joined, picocli wraps the text as a whole. The first sentence stays a line of its own: a
     * parent command's list of commands shows each one's first description line.
     */
    private static void joinDescriptionLines(CommandLine cmd) {
        var usage = cmd.getCommandSpec().usageMessage();
        String joined = String.join(" ", java.util.Arrays.stream(usage.description()).map(String::strip).filter(l -> !l.isEmpty()).toList());
        int end = joined.indexOf(". ");
        if (end > 0) usage.description(joined.substring(0, end + 1), joined.substring(end + 2));
        else if (!joined.isEmpty()) usage.description(joined);
        cmd.getSubcommands().values().forEach(Main::joinDescriptionLines);
    }

    /**
     * The CLI's exit codes and one-line messages on cli and its subcommands: for the full command line,
     * and for a command one command runs on its own (demo runs prune and compress).
     */
    static CommandLine withHandlers(CommandLine cli) {
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println(displayName(cmd) + ": " + oneLine(ex));
            if (System.getenv("JPRUNE_DEBUG") != null) ex.printStackTrace(err);
            err.flush();
            return ex instanceof UsageException ? 2 : 1;
        });
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String message = ex.getMessage();
            // "Unmatched argument at index 0: 'frobnicate'" says little where a command name was expected.
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !ex.getCommandLine().getSubcommands().isEmpty()
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-"))
                message = "unknown command '" + u.getUnmatched().get(0) + "': choose one of " + visibleSubcommands(ex.getCommandLine());
            err.println(displayName(ex.getCommandLine()) + ": " + message);
            err.println("Try '" + displayName(ex.getCommandLine()) + " --help' for the options.");
            err.flush();
            return 2;
        });
        return cli;
    }

    /** The subcommands --help lists (hidden ones left out). */
    static java.util.List<String> visibleSubcommands(CommandLine cmd) {
        return cmd.getSubcommands().entrySet().stream().filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden())
                .map(java.util.Map.Entry::getKey).toList();
    }

    /** "jprune", "jprune train", "jprune bench gemm": how the user typed the command. */
    private static String displayName(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName(" ");
    }

    static String oneLine(Throwable ex) {
        Throwable t = ex instanceof java.io.UncheckedIOException u ? u.getCause() : ex;
        String msg = t.getMessage();
        while ((msg == null || msg.isBlank()) && t.getCause() != null) {
            t = t.getCause();
            msg = t.getMessage();
        }
        if (t instanceof OutOfMemoryError) msg = "out of memory (" + msg + "); raise the heap with JPRUNE_JAVA_OPTS=-Xmx4g";
        if (t instanceof FileSystemException f) msg = fileProblem(f);
        if (msg == null) msg = t.getClass().getSimpleName();
        return msg.replace('\n', ' ');
    }

    /** A file system failure as a sentence: its own message is often the bare path ("/etc/passwd"). */
    private static String fileProblem(FileSystemException f) {
        String path = f.getFile() == null ? "" : f.getFile();
        if (f.getOtherFile() != null) path += " -> " + f.getOtherFile();
        String what = f.getReason() != null ? f.getReason() : switch (f) {
            case NoSuchFileException e -> "no such file or directory";
            case NotDirectoryException e -> "not a directory";
            case FileAlreadyExistsException e -> "exists and is in the way (a file where a directory is needed?)";
            case AccessDeniedException e -> "permission denied";
            case DirectoryNotEmptyException e -> "directory not empty";
            default -> f.getClass().getSimpleName();
        };
        return path.isEmpty() ? what : path + ": " + what;
    }
}
