using LlmLab.Measurement;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab bench</c>: prefill/decode timing against the bandwidth roofline (its options are <c>#!llm-bench</c>'s).</summary>
internal static class BenchCommand
{
    public static CliCommand Command { get; } = new(new CommandSyntax("bench", "Benchmarks prefill and decode against the memory-bandwidth roofline measured in the same run.")
    {
        Options = [.. CliOptions.Loading(CliOptions.Model), .. StudyOptions.Bench, CliOptions.Json],
        Details = """
            Reports TTFT, prefill and decode tok/s, inter-token latency p50/p90/p99, weight bytes, peak memory, and the
            copy bandwidth measured in the same run with the fraction of the decode roofline achieved, and the planner's
            predicted decode tok/s and TTFT beside the measured ones (on the CPU the TTFT prediction times a short probe of
            the prefill matmul on the model's weight formats after the run). Progress on stderr.
            """,
    }, Run);

    private static int Run(MagicOptionValues o)
    {
        var options = StudyOptions.BenchOptionsFrom(o);
        using var transformer = ModelLocator.Load(o, options.Batches.Max(), options.PromptTokens + options.NewTokens);
        var progress = new ConsoleProgress();
        var result = Benchmark.Run(transformer, options, progress);
        progress.Done();
        Console.WriteLine(o.GetFlag("json") ? result.ToJson() : result.Describe());
        return ExitCodes.Success;
    }

    /// <summary>One updating status line on stderr (plain lines when stderr is redirected).</summary>
    private sealed class ConsoleProgress : IProgress<BenchProgress>
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private string _last = "";

        public void Report(BenchProgress p)
        {
            string line = p.Phase == "bandwidth" ? "bench: measuring copy bandwidth"
                : p.Phase == "matmul probe" ? "bench: timing the prefill matmul probe"
                : $"bench: batch {p.Batch} {p.Phase} rep {p.Repetition}/{p.Repetitions} token {p.Token}/{p.Tokens}";
            if (_interactive) Console.Error.Write("\r" + line.PadRight(_last.Length));
            else if (p.Phase != _last) Console.Error.WriteLine(line);
            _last = _interactive ? line : p.Phase;
        }

        public void Done()
        {
            if (_interactive) Console.Error.Write("\r" + new string(' ', _last.Length) + "\r");
        }
    }
}
