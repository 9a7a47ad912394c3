using System.IO.Compression;

namespace LlmLab.Tests;

/// <summary>Paths of the fixtures copied into tests/fixtures (provenance: tests/fixtures/PROVENANCE.md).</summary>
internal static class Fixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string Model(string name) => Path.Combine(Root, "models", name);

    public static string Tokenizer(string name) => Path.Combine(Root, "tokenizers", name);

    /// <summary>Repository root (for data/), found by walking up to Notebooks.sln.</summary>
    public static string RepoRoot => TestSupport.RepositoryPaths.Root;

    public static string BrownModel => Path.Combine(RepoRoot, "data", "models", "brown-llama-7m");

    /// <summary>Reads a fixture file, decompressing <c>NAME.gz</c> when only the compressed copy is stored.</summary>
    public static string ReadText(string path)
    {
        if (File.Exists(path)) return File.ReadAllText(path);
        using var gz = new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd();
    }

    /// <summary>A fresh empty directory under the system temp folder.</summary>
    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "llmlab-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
