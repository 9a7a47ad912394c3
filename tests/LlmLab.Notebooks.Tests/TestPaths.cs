namespace LlmLab.Notebooks.Tests;

/// <summary>Where test inputs live and where tests may write.</summary>
internal static class TestPaths
{
    /// <summary>Fixture notebooks copied next to the test assembly (provenance: Fixtures/README.md).</summary>
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Repository root (for notebooks/ and src/), found by walking up to Notebooks.sln.</summary>
    public static string RepoRoot => TestSupport.RepositoryPaths.Root;

    /// <summary>A fresh empty directory under the system temp folder.</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "llmlab-notebook-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
