using LlmLab.Reproducibility;

namespace LlmLab.Notebooks.Formatting.Records;

/// <summary>Lays out an <see cref="EnvironmentFingerprint"/> as labelled facts (LlmLab, .NET, OS, CPU, RAM, each GPU).</summary>
internal static class EnvironmentFingerprintView
{
    public static RecordView Of(EnvironmentFingerprint environment) =>
        new("Environment", [new FactsBlock(environment.Describe().Select(l => new Fact(l.Key, l.Value)).ToArray())]);
}
