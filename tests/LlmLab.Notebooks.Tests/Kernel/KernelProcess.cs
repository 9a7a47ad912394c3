using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

/// <summary>
/// The real `llmlab kernel` process: src/LlmLab.Cli/bin/CONFIGURATION/net10.0/LlmLab.Cli.dll, built by the test
/// project's reference in the same configuration as the tests (the folder above the test assembly's).
/// </summary>
internal static class KernelProcess
{
    public static KernelLaunch Launch { get; } = KernelLaunch.ForAssembly(CliAssembly());

    private static string CliAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent?.Name ?? "Debug";
        var path = Path.Combine(TestPaths.RepoRoot, "src", "LlmLab.Cli", "bin", configuration, testOutput.Name, "LlmLab.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The kernel tests need {path}; build tests/LlmLab.Notebooks.Tests (it builds LlmLab.Cli).", path);
    }
}
