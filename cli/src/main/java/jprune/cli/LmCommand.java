package jprune.cli;

import picocli.CommandLine.Command;

/** {@code jprune lm}: decoder-only language models in the Hugging Face layout. */
@Command(name = "lm", mixinStandardHelpOptions = true,
        description = {"Language models (GPT-2 and Llama families) in the Hugging Face layout: a directory with config.json,",
                "model.safetensors (or shards) and tokenizer files, given with --model DIR."},
        subcommands = {LmTrainCommand.class, LmEvalCommand.class, LmPruneCommand.class, LmGenerateCommand.class, LmBenchCommand.class, LmInitCommand.class, LmSweepCommand.class})
final class LmCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " + Main.visibleSubcommands(spec.commandLine()));
    }
}
