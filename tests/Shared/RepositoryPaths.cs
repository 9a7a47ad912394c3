namespace LlmLab.TestSupport;

/// <summary>
/// The repository root as the test assemblies see it, found by walking up from the assembly's folder to
/// Notebooks.sln (so a build copied inside a checkout, as on the GPU machine, works too). Compiled into each
/// test project (linked from tests/Shared).
/// </summary>
internal static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Notebooks.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Notebooks.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
