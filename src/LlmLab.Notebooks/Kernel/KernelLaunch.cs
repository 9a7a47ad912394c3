using System.Reflection;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// The command that starts <c>llmlab</c> (before its <c>kernel</c> verb): the kernelspec's argv and the runner's
/// kernel process both start from it. Absolute paths, so Jupyter finds it from any folder.
/// </summary>
/// <param name="Command">Program and leading arguments, e.g. <c>["/usr/bin/dotnet", "/repo/…/LlmLab.Cli.dll"]</c>.</param>
public sealed record KernelLaunch(IReadOnlyList<string> Command)
{
    /// <summary>The program and arguments that start a kernel on <paramref name="connectionFile"/> with extra options.</summary>
    public IReadOnlyList<string> KernelArguments(string connectionFile, IEnumerable<string>? options = null) =>
        [.. Command, "kernel", "--connection-file", connectionFile, .. options ?? []];

    /// <summary>
    /// How to start the program running now: <c>dotnet LlmLab.Cli.dll</c> when it runs under the dotnet host, else
    /// its own executable.
    /// </summary>
    public static KernelLaunch CurrentProcess()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running program is unknown; cannot write a kernel command.");
        if (!IsDotnetHost(process)) return new KernelLaunch([process]);
        var entry = Assembly.GetEntryAssembly()?.Location;
        return string.IsNullOrEmpty(entry)
            ? throw new InvalidOperationException("The running program's assembly has no file; cannot write a kernel command.")
            : new KernelLaunch([process, entry]);
    }

    /// <summary>Starts <c>llmlab</c> from its built assembly (<c>LlmLab.Cli.dll</c>) with the dotnet host.</summary>
    /// <param name="cliAssembly">Path of LlmLab.Cli.dll.</param>
    public static KernelLaunch ForAssembly(string cliAssembly) => new([DotnetHost(), Path.GetFullPath(cliAssembly)]);

    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } process && IsDotnetHost(process)) return process;
        // The dotnet CLI sets DOTNET_HOST_PATH for what it starts (test hosts, tools).
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private static bool IsDotnetHost(string path) =>
        Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
}
