using System.Text.Json;
using LlmLab.Measurement;

namespace LlmLab.Cli.Commands;

/// <summary><c>llmlab inspect PATH</c>: validate and summarise a model folder.</summary>
internal static class InspectCommand
{
    public static readonly string[] Flags = ["json"];

    public const string Usage = """
        inspect PATH [--json]
          Architecture, parameter count, dtypes, bytes by tensor group and KV-cache bytes per token.
          Validates everything loading validates; exit 0 only for a good model.
        """;

    public static int Run(Arguments a)
    {
        bool json = a.Flag("json");
        a.EnsureAllUsed(maxPositionals: 1);
        string path = a.Positionals.Count == 1 ? a.Positionals[0] : ModelLocator.Resolve(null);
        var summary = ModelSummary.Inspect(path);
        Console.WriteLine(json ? JsonSerializer.Serialize(summary, BenchResult.JsonOptions) : summary.Describe());
        return 0;
    }
}
