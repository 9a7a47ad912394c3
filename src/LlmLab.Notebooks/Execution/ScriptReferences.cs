using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Compilation settings shared by every submission of a session: references, imports, release optimisation (cells
/// benchmark code, so they should run as fast as compiled code) and debug information (so stack traces carry cell
/// line numbers).
/// </summary>
internal static class ScriptReferences
{
    /// <summary>
    /// Assemblies cells compile against besides those Roslyn adds by default: LINQ, collections, console, JSON,
    /// regular expressions, processes, dynamic, tensors, and LlmLab itself.
    /// </summary>
    private static readonly Assembly[] Standard =
    [
        typeof(Enumerable).Assembly,
        typeof(SortedSet<>).Assembly,
        typeof(System.Collections.Concurrent.ConcurrentDictionary<,>).Assembly,
        typeof(Console).Assembly,
        typeof(System.Text.Json.JsonSerializer).Assembly,
        typeof(System.Text.RegularExpressions.Regex).Assembly,
        typeof(System.Diagnostics.Process).Assembly,
        typeof(Microsoft.CSharp.RuntimeBinder.Binder).Assembly,
        typeof(System.Numerics.Tensors.TensorPrimitives).Assembly,
        typeof(LlmLabException).Assembly,
        typeof(NotebookSession).Assembly,
    ];

    public static ScriptOptions Options(NotebookSessionOptions options) =>
        ScriptOptions.Default
            .AddReferences(Standard.Concat(options.References).Distinct())
            .WithImports(NotebookImports.All)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(true)
            .WithEmitDebugInformation(true)
            .WithFileEncoding(Encoding.UTF8)
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(options.BaseDirectory))
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(options.BaseDirectory));
}
