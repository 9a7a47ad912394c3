using LlmLab;
using LlmLab.Cli;
using LlmLab.Cli.Commands;
using LlmLab.Notebooks.Magics;

// llmlab: one command per study step. Every command declares its options as a CommandSyntax (shared with the magic
// that mirrors it through StudyOptions) and is parsed by the magics' parser, so the CLI, the magics and the Polyglot
// directives accept the same options with the same ranges. User errors print one line, `llmlab CMD: …`, and exit
// with ExitCodes' rule: 2 for a wrong command line, 1 for bad data files, 3 for a failing CUDA call.
CliCommand[] commands =
[
    GenerateCommand.Command, BenchCommand.Command, PerplexityCommand.Command, CompareCommand.Command,
    LogitsCommand.Command, TokenizeCommand.Command, InspectCommand.Command, QuantizeCommand.Command,
    MakeRandomCommand.Command, TokenizerBenchCommand.Command, VerifyCommand.Command, PlanCommand.Command,
];

// `kernel` serves LlmLab's Jupyter kernel (or installs its kernelspec); its own options, the same exit-code rule.
if (args.Length > 0 && args[0] == "kernel")
    return await LlmLab.Notebooks.Kernel.KernelCommand.InvokeAsync(args[1..], Console.Out, Console.Error);

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(CliHelp.Overview(commands));
    return args.Length == 0 ? ExitCodes.BadCommandLine : ExitCodes.Success;
}

// `run` executes a notebook with the same parser and exit-code rule (1: the notebook failed; 2: its command line).
if (args[0] == "run")
    return await LlmLab.Notebooks.RunCommand.InvokeAsync(args[1..], Console.Out, Console.Error, LlmLab.Notebooks.Kernel.KernelLaunch.CurrentProcess());

if (commands.FirstOrDefault(c => c.Name == args[0]) is not { } command)
{
    Console.Error.WriteLine($"llmlab: unknown command '{args[0]}'; commands: run, kernel, {string.Join(", ", commands.Select(c => c.Name))}");
    return ExitCodes.BadCommandLine;
}

string prefix = $"llmlab {command.Name}: ";
MagicOptionValues options;
try
{
    options = MagicOptionParser.Parse(command.Syntax, args[1..], command.Invocation);
}
catch (InvalidOptionException e)
{
    // The parser's messages already start with the invocation ("llmlab bench: --batch …").
    Console.Error.WriteLine(e.Message);
    return ExitCodes.BadCommandLine;
}

if (options.HelpRequested)
{
    Console.WriteLine(command.Syntax.Usage(command.Invocation));
    return ExitCodes.Success;
}

foreach (string warning in options.Warnings) Console.Error.WriteLine(warning);
try
{
    return command.Run(options);
}
catch (UsageException e)
{
    Console.Error.WriteLine(prefix + e.Message);
    return ExitCodes.BadCommandLine;
}
catch (LlmLabException e)
{
    Console.Error.WriteLine(prefix + e.Message);
    return ExitCodes.BadData;
}
catch (LlmLab.Cuda.Interop.CudaException e)
{
    // A failing CUDA call (driver, NVRTC, cuBLASLt) names the call and the CUDA error string.
    Console.Error.WriteLine(prefix + e.Message);
    return ExitCodes.DeviceFailure;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(prefix + e.Message);
    return ExitCodes.BadData;
}
