using LlmLab;
using LlmLab.Cli;
using LlmLab.Cli.Commands;

// llmlab: one command per study step. User errors print one line and exit non-zero, without a trace.
var commands = new Dictionary<string, (string Usage, Func<Arguments, int> Run, string[] Flags)>(StringComparer.Ordinal)
{
    ["generate"] = (GenerateCommand.Usage, GenerateCommand.Run, GenerateCommand.Flags),
    ["bench"] = (BenchCommand.Usage, BenchCommand.Run, BenchCommand.Flags),
    ["perplexity"] = (PerplexityCommand.Usage, PerplexityCommand.Run, PerplexityCommand.Flags),
    ["compare"] = (CompareCommand.Usage, CompareCommand.Run, CompareCommand.Flags),
    ["logits"] = (LogitsCommand.Usage, LogitsCommand.Run, []),
    ["tokenize"] = (TokenizeCommand.Usage, TokenizeCommand.Run, TokenizeCommand.Flags),
    ["inspect"] = (InspectCommand.Usage, InspectCommand.Run, InspectCommand.Flags),
    ["quantize"] = (QuantizeCommand.Usage, QuantizeCommand.Run, QuantizeCommand.Flags),
    ["make-random"] = (MakeRandomCommand.Usage, MakeRandomCommand.Run, []),
    ["bench-tokenizer"] = (TokenizerBenchCommand.Usage, TokenizerBenchCommand.Run, TokenizerBenchCommand.Flags),
};

// `run` executes a notebook; its runner has its own option parser and exit codes (0 ok, 2 a cell failed).
if (args.Length > 0 && args[0] == "run")
    return await LlmLab.Notebooks.RunCommand.InvokeAsync(args[1..], Console.Out, Console.Error, LlmLab.Notebooks.Kernel.KernelLaunch.CurrentProcess());

// `kernel` serves LlmLab's Jupyter kernel (or installs its kernelspec); its own options and exit codes too.
if (args.Length > 0 && args[0] == "kernel")
    return await LlmLab.Notebooks.Kernel.KernelCommand.InvokeAsync(args[1..], Console.Out, Console.Error);

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: llmlab COMMAND [options]   (llmlab COMMAND --help for details)");
    Console.WriteLine("  run NOTEBOOK [--output OUT.ipynb] [--html OUT.html] [-p name=value ...] [--continue-on-error] [--timeout 10m]");
    Console.WriteLine("  kernel install [--user | --prefix DIR]   |   kernel --connection-file FILE   (LlmLab's Jupyter kernel)");
    foreach (var (_, c) in commands) Console.WriteLine("  " + c.Usage.Split('\n')[0]);
    return args.Length == 0 ? 2 : 0;
}

if (!commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"llmlab: unknown command '{args[0]}'; commands: {string.Join(", ", commands.Keys)}");
    return 2;
}

if (args.Skip(1).Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(command.Usage);
    return 0;
}

try
{
    return command.Run(new Arguments(args[0], args.Skip(1), command.Flags.ToHashSet()));
}
catch (UsageException e)
{
    Console.Error.WriteLine($"llmlab {e.Message}");
    return 2;
}
catch (LlmLabException e)
{
    Console.Error.WriteLine($"llmlab {args[0]}: {e.Message}");
    return 1;
}
catch (LlmLab.Cuda.Interop.CudaException e)
{
    // A failing CUDA call (driver, NVRTC, cuBLASLt) names the call and the CUDA error string.
    Console.Error.WriteLine($"llmlab {args[0]}: {e.Message}");
    return 3;
}
catch (IOException e)
{
    Console.Error.WriteLine($"llmlab {args[0]}: {e.Message}");
    return 1;
}
catch (UnauthorizedAccessException e)
{
    Console.Error.WriteLine($"llmlab {args[0]}: {e.Message}");
    return 1;
}
