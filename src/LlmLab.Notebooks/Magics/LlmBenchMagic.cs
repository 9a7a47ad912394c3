using System.Globalization;
using LlmLab.Measurement;

namespace LlmLab.Notebooks.Magics;

/// <summary>
/// <c>#!llm-bench [--prompt-tokens P] [--new-tokens N] [--repetitions R] [--batch 1,4,16] [--name NAME]</c>: runs
/// <see cref="Benchmark"/> on a loaded model (as <c>llmlab bench</c> does), shows the <see cref="BenchResult"/> as
/// figures, a throughput chart and the inter-token latency histogram, and defines a variable holding it.
/// </summary>
public sealed class LlmBenchMagic : MagicCommand
{
    /// <summary>Variable the result goes to when --name is not given.</summary>
    public const string DefaultName = "bench";

    private static readonly BenchOptions Defaults = new();

    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-bench", "Benchmarks prefill and decode against the memory-bandwidth roofline and defines a variable with the result.")
    {
        Options =
        [
            ModelVariable.Option,
            new MagicOption("prompt-tokens", "Prompt length per sequence (random tokens), timed as prefill") { ShortName = 'p', Kind = MagicValueKind.Integer, DefaultValue = Text(Defaults.PromptTokens), ValueName = "P" },
            new MagicOption("new-tokens", "Tokens generated per sequence (the first comes from prefill)") { ShortName = 'n', Kind = MagicValueKind.Integer, DefaultValue = Text(Defaults.NewTokens), ValueName = "N" },
            new MagicOption("repetitions", "Timed repetitions (medians and all inter-token samples are reported)") { ShortName = 'r', Kind = MagicValueKind.Integer, DefaultValue = Text(Defaults.Repetitions), ValueName = "R" },
            new MagicOption("warmup", "Untimed repetitions first (JIT, caches, clocks)") { Kind = MagicValueKind.Integer, DefaultValue = Text(Defaults.Warmup), ValueName = "W" },
            new MagicOption("batch", "Batch sizes to sweep, comma-separated; the headline figures use the first") { ShortName = 'b', DefaultValue = "1", ValueName = "LIST" },
            new MagicOption("name", "Variable that receives the result (a BenchResult)") { DefaultValue = DefaultName, ValueName = "NAME" },
        ],
    };

    /// <inheritdoc/>
    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var name = options.GetString("name")!;
        VariableNames.Validate(name);
        var model = ModelVariable.Get(session, options, Invocation);
        var bench = new BenchOptions(
            PromptTokens: options.GetInt32("prompt-tokens")!.Value,
            NewTokens: options.GetInt32("new-tokens")!.Value,
            Repetitions: options.GetInt32("repetitions")!.Value,
            Warmup: options.GetInt32("warmup")!.Value,
            BatchSizes: Batches(options.GetString("batch")!));
        if (bench.Warmup < 0) throw new InvalidOptionException($"{Invocation}: --warmup {bench.Warmup} must not be negative.");
        var result = Benchmark.Run(model, bench, new StopWhenCancelled(cancellationToken));
        await session.DefineVariableAsync(name, result, cancellationToken);
        session.Display(result);
    }

    private static int[] Batches(string list)
    {
        var parts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var batches = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out batches[i]))
                throw new InvalidOptionException($"#!llm-bench: --batch '{list}' must be whole numbers separated by commas, e.g. 1,4,16.");
        }

        return batches.Length > 0 ? batches : throw new InvalidOptionException("#!llm-bench: --batch needs at least one batch size, e.g. 1 or 1,4,16.");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Benchmark progress arrives between decode steps: the point where a cancelled cell stops the run.</summary>
    private sealed class StopWhenCancelled(CancellationToken cancellationToken) : IProgress<BenchProgress>
    {
        public void Report(BenchProgress value) => cancellationToken.ThrowIfCancellationRequested();
    }
}
