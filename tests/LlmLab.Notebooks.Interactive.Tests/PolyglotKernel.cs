using System.Reflection;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;

namespace LlmLab.Notebooks.Interactive.Tests;

/// <summary>
/// A .NET Interactive C# kernel in this process with LlmLab loaded as README route 2 loads it: <c>#r</c> of the built
/// <c>LlmLab.Notebooks.dll</c>, then <c>#!import</c> of <c>extension.dib</c>. Shared by the tests of a class, since
/// loading takes seconds; each test submits its own cells.
/// </summary>
/// <remarks>
/// The DLLs are copied from the build without Roslyn's (<c>Microsoft.CodeAnalysis*.dll</c>, 5.12): a kernel has only its
/// own Roslyn (5.0 in tool 1.0.712001), and with 5.12 beside LlmLab.Notebooks.dll the kernel would load it side by side
/// and hide a magic or formatter that depends on it. Without it such code fails here with FileNotFoundException, as
/// it does in the kernel.
/// </remarks>
public sealed class PolyglotKernel : IAsyncLifetime
{
    private CompositeKernel? _kernel;

    /// <summary>The events of the two loading submissions.</summary>
    public IReadOnlyList<KernelEvent> LoadEvents { get; private set; } = [];

    /// <summary>Where the build of src/LlmLab.Notebooks left its DLLs (recorded at build time).</summary>
    public static string NotebooksBin =>
        Path.GetFullPath(typeof(PolyglotKernel).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LlmLabNotebooksBin").Value!);

    public async ValueTask InitializeAsync()
    {
        var csharp = new CSharpKernel();
        _kernel = new CompositeKernel { csharp };
        _kernel.DefaultKernelName = csharp.Name;
        _kernel.UseImportMagicCommand();
        var extension = Path.Combine(TestSupport.RepositoryPaths.Root, "src", "LlmLab.Notebooks", "Polyglot", "extension.dib");
        var reference = await SubmitAsync($"#r \"{Path.Combine(CopyWithoutRoslyn(NotebooksBin), "LlmLab.Notebooks.dll")}\"");
        var import = await SubmitAsync($"#!import {extension}");
        LoadEvents = [.. reference.Events, .. import.Events];
    }

    private static string CopyWithoutRoslyn(string bin)
    {
        var copy = Path.Combine(Path.GetTempPath(), "llmlab-interactive-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(bin, "*.dll"))
        {
            if (Path.GetFileName(file).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)) continue;
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    /// <summary>Runs one cell and returns its events.</summary>
    public async Task<KernelCommandResult> SubmitAsync(string code) =>
        await (_kernel ?? throw new InvalidOperationException("The kernel is not started.")).SendAsync(new SubmitCode(code));

    public ValueTask DisposeAsync()
    {
        _kernel?.Dispose();
        return ValueTask.CompletedTask;
    }
}
