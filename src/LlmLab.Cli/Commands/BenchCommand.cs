using LlmLab.Measurement;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab bench</c>: prefill/decode timing against the bandwidth roofline.</summary>
internal static class BenchCommand
{
    public static readonly string[] Flags = ["json"];

    public const string Usage = """
        bench [--model DIR|FILE.gguf] [--device cpu|cuda|cuda:N] [--dtype f32|bf16] [--quant TYPE] [--prompt-tokens P] [--new-tokens N] [--repetitions R] [--warmup W] [--batch 1,4,16] [--json]
          TTFT, prefill and decode tok/s, inter-token latency p50/p90/p99, weight bytes, peak memory, and the
          copy bandwidth measured in the same run with the fraction of the decode roofline achieved.
        """;

    public static int Run(Arguments a)
    {
        string? model = a.String("model"), device = a.String("device");
        var dtype = ModelLocator.ParseDType(a.String("dtype"));
        var quant = ModelLocator.ParseQuant(a.String("quant"));
        var options = new BenchOptions(
            PromptTokens: a.Int("prompt-tokens", 1) ?? 128,
            NewTokens: a.Int("new-tokens", 2) ?? 64,
            Repetitions: a.Int("repetitions", 1, 1000) ?? 3,
            Warmup: a.Int("warmup", 0, 100) ?? 1,
            BatchSizes: a.IntList("batch"));
        bool json = a.Flag("json");
        a.EnsureAllUsed();
        using var transformer = ModelLocator.Load(model, device, dtype, options.Batches.Max(), options.PromptTokens + options.NewTokens, quant);
        var progress = new ConsoleProgress();
        var result = Benchmark.Run(transformer, options, progress);
        progress.Done();
        Console.WriteLine(json ? result.ToJson() : result.Describe());
        return 0;
    }

    /// <summary>One updating status line on stderr (plain lines when stderr is redirected).</summary>
    private sealed class ConsoleProgress : IProgress<BenchProgress>
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private string _last = "";

        public void Report(BenchProgress p)
        {
            string line = p.Phase == "bandwidth" ? "bench: measuring copy bandwidth"
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
