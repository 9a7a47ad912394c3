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

    /// <inheritdoc/>
    public override CommandSyntax Syntax { get; } = new("llm-bench", "Benchmarks prefill and decode against the memory-bandwidth roofline and defines a variable with the result.")
    {
        Options =
        [
            ModelVariable.Option,
            .. StudyOptions.Bench,
            new MagicOption("name", "Variable that receives the result (a BenchResult)") { DefaultValue = DefaultName, ValueName = "NAME" },
        ],
    };

    /// <inheritdoc/>
    public override async Task ExecuteAsync(MagicOptionValues options, IMagicSession session, CancellationToken cancellationToken)
    {
        var name = options.GetString("name")!;
        VariableNames.Validate(name);
        var model = ModelVariable.Get(session, options, Invocation);
        var bench = StudyOptions.BenchOptionsFrom(options);
        var result = Benchmark.Run(model, bench, new StopWhenCancelled(cancellationToken));
        await session.DefineVariableAsync(name, result, cancellationToken);
        session.Display(result);
    }

    /// <summary>Benchmark progress arrives between decode steps: the point where a cancelled cell stops the run.</summary>
    private sealed class StopWhenCancelled(CancellationToken cancellationToken) : IProgress<BenchProgress>
    {
        public void Report(BenchProgress value) => cancellationToken.ThrowIfCancellationRequested();
    }
}
