using System.Diagnostics;
using System.Reflection;
using LlmLab.Notebooks.Documents;
using Microsoft.CodeAnalysis;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// Builds the <see cref="ErrorOutput"/> of a failed cell. Traces keep only frames in notebook cells (the cell's
/// own lines, or a function an earlier cell defined), named by cell and line: the frames inside Roslyn, the
/// runtime or LlmLab say nothing to the notebook's reader.
/// </summary>
internal static class CellErrors
{
    /// <summary>Error name of a cell whose code does not compile.</summary>
    public const string CompilationError = "CompilationError";

    /// <summary>Error name of a cell stopped for running past its time limit.</summary>
    public const string Timeout = "Timeout";

    /// <summary>Error name of a cell stopped by cancellation.</summary>
    public const string Cancelled = "Cancelled";

    /// <summary>Error name of a cell in a language the engine does not run.</summary>
    public const string UnsupportedLanguage = "UnsupportedLanguage";

    public static ErrorOutput FromDiagnostics(IEnumerable<Diagnostic> diagnostics, string cellName, int? misplacedMagicLine)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        var lines = errors.Select(d =>
        {
            var span = d.Location.GetLineSpan();
            var where = d.Location.IsInSource ? $"{cellName}, line {span.StartLinePosition.Line + 1}, column {span.StartLinePosition.Character + 1}" : cellName;
            return $"{where}: error {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        }).ToList();
        if (misplacedMagicLine is { } line)
        {
            lines.Insert(0, $"{cellName}, line {line}: magic commands (#!name) must come first in a cell, before any C# code.");
        }

        var message = lines.Count == 0 ? "The cell does not compile." : lines[0] + (lines.Count > 1 ? $" (and {lines.Count - 1} more)" : "");
        if (errors.Any(d => d.Id == "CS0006" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("nuget:", StringComparison.OrdinalIgnoreCase)))
        {
            message += "\nThe LlmLab runner does not restore NuGet packages: reference an assembly by path (#r \"path/to/Library.dll\").";
        }

        return new ErrorOutput(CompilationError, message, lines);
    }

    public static ErrorOutput FromException(Exception exception, IReadOnlyDictionary<string, string> cellNamesByPath)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate) exception = aggregate.InnerExceptions[0];
        if (exception is TargetInvocationException { InnerException: { } inner }) exception = inner;
        var message = exception.Message;
        for (var e = exception.InnerException; e is not null; e = e.InnerException) message += $"\n  caused by {e.GetType().Name}: {e.Message}";
        return new ErrorOutput(exception.GetType().Name, message, Trace(exception, cellNamesByPath));
    }

    public static ErrorOutput FromMagic(Exception exception, string cellName, int line, string commandLine)
    {
        var error = FromException(exception, new Dictionary<string, string>());
        return error with { Traceback = [$"   at {commandLine} ({cellName}, line {line})", .. error.Traceback] };
    }

    public static ErrorOutput Stopped(string name, string message, string cellName, int? line) =>
        new(name, message, line is { } l ? [$"   at {cellName}, line {l}"] : []);

    /// <summary>The innermost line of a notebook cell in the exception's trace, when there is one.</summary>
    public static int? InnermostCellLine(Exception exception, IReadOnlyDictionary<string, string> cellNamesByPath) =>
        CellFrames(exception, cellNamesByPath).Select(f => (int?)f.Line).FirstOrDefault();

    private static IReadOnlyList<string> Trace(Exception exception, IReadOnlyDictionary<string, string> cellNamesByPath) =>
        CellFrames(exception, cellNamesByPath)
            .Select(f => f.Method is { } method ? $"   at {method} in {f.Cell}, line {f.Line}" : $"   at {f.Cell}, line {f.Line}")
            .ToArray();

    private static IEnumerable<(string Cell, int Line, string? Method)> CellFrames(Exception exception, IReadOnlyDictionary<string, string> cellNamesByPath)
    {
        foreach (var frame in new StackTrace(exception, fNeedFileInfo: true).GetFrames())
        {
            var file = frame.GetFileName();
            if (file is null || !cellNamesByPath.TryGetValue(file, out var cell)) continue;
            yield return (cell, frame.GetFileLineNumber(), MethodName(frame.GetMethod()));
        }
    }

    /// <summary>A function the notebook defined (<c>F(Int32 a)</c>); null for the cell's top-level code.</summary>
    private static string? MethodName(MethodBase? method)
    {
        if (method is null || method.Name.Contains('<') || method.DeclaringType?.Name.Contains('<') == true && method.Name == "MoveNext") return null;
        var parameters = string.Join(", ", method.GetParameters().Select(p => $"{p.ParameterType.Name} {p.Name}"));
        return $"{method.Name}({parameters})";
    }
}
