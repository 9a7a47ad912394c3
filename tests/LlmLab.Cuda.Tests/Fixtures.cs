namespace LlmLab.Cuda.Tests;

/// <summary>
/// Fixture paths in the repository (provenance: tests/fixtures/PROVENANCE.md). The test assembly finds the
/// repository by walking up from its own folder to Notebooks.sln, so a build copied inside a checkout works too.
/// </summary>
internal static class Fixtures
{
    public static string RepoRoot => TestSupport.RepositoryPaths.Root;

    public static string Root => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Model(string name) => Path.Combine(Root, "models", name);

    public static string BrownModel => Path.Combine(RepoRoot, "data", "models", "brown-llama-7m");

    public static string BrownExpected => Path.Combine(Root, "brown-llama-7m", "expected.safetensors");

    /// <summary>The <c>input_ids</c> of a PyTorch reference file (sequence-major) and their shape [batch, tokens].</summary>
    public static (int[] Ids, int Batch, int Tokens) InputIds(string expectedFile)
    {
        using var expected = LlmLab.Formats.SafetensorsFile.Open(expectedFile);
        var t = expected.Tensor("input_ids");
        return (t.ToInt64Array().Select(v => (int)v).ToArray(), (int)t.Shape[0], (int)t.Shape[1]);
    }
}
