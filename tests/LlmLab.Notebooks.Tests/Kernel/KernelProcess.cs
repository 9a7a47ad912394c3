using LlmLab.Notebooks.Kernel;

namespace LlmLab.Notebooks.Tests.Kernel;

/// <summary>The real `llmlab kernel` process: LlmLab.Cli.dll, built and copied beside the tests by the project reference.</summary>
internal static class KernelProcess
{
    public static KernelLaunch Launch { get; } = KernelLaunch.ForAssembly(Path.Combine(AppContext.BaseDirectory, "LlmLab.Cli.dll"));
}
