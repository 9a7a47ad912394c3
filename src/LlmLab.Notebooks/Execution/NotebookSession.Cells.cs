using LlmLab.Notebooks.Documents;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;

namespace LlmLab.Notebooks.Execution;

/// <summary>Running one cell: threads, time limit, magic lines, compilation, outputs.</summary>
public sealed partial class NotebookSession
{
    private async Task<CellExecution> ExecuteLockedAsync(string source, string? cellName, Action<CellOutputEvent>? onOutput, CancellationToken cancellationToken)
    {
        ConsoleCapture.EnsureInstalled();
        var count = Interlocked.Increment(ref _executionCount);
        var name = cellName ?? $"cell [{count}]";
        var started = DateTimeOffset.UtcNow;
        var outputs = new CellOutputCollector(onOutput);
        var parsed = CellSource.Parse(source);
        if (parsed.OtherLanguage is { } language)
        {
            outputs.Add(CellErrors.Stopped(CellErrors.UnsupportedLanguage,
                $"{name} selects the '{language}' kernel; LlmLab runs C# cells only. Port the cell to C# or run the notebook in Polyglot Notebooks.", name, null));
            return new CellExecution(count, outputs.Snapshot(), new CellTiming(started, DateTimeOffset.UtcNow));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var context = new CellContext(this, outputs, stop.Token, _state);
        var body = Task.Factory.StartNew(
            () =>
            {
                CellContext.Current = context;
                return RunBodyAsync(context, parsed, name, count);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap();

        var abandoned = false;
        try
        {
            await body.WaitAsync(Options.CellTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !body.IsCompleted)
        {
            var why = cancellationToken.IsCancellationRequested
                ? (CellErrors.Cancelled, $"{name} was cancelled")
                : (CellErrors.Timeout, $"{name} ran past its time limit of {DurationText.Of(Options.CellTimeout)}");
            (context.StopKind, context.StopReason) = why;
            await stop.CancelAsync();
            abandoned = !await Finishes(body, Options.StopGracePeriod);
            if (abandoned)
            {
                outputs.Add(CellErrors.Stopped(why.Item1,
                    $"{why.Item2} and did not stop within {DurationText.Of(Options.StopGracePeriod)} of being asked to (it may be blocked in a call such as " +
                    "Thread.Sleep, a lock or a library loop). It was abandoned and may keep running in the background; later cells see the " +
                    "notebook's state from before this cell.", name, null));
            }
        }

        if (!abandoned)
        {
            if (await body is { } error) outputs.Add(error);
            _state = context.State;
        }

        return new CellExecution(count, outputs.Snapshot(), new CellTiming(started, DateTimeOffset.UtcNow)) { Abandoned = abandoned };
    }

    private static async Task<bool> Finishes(Task task, TimeSpan within)
    {
        try
        {
            await task.WaitAsync(within);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <returns>The error that ended the cell, or null when it succeeded.</returns>
    private async Task<ErrorOutput?> RunBodyAsync(CellContext context, CellSource parsed, string name, int count)
    {
        foreach (var (line, text) in parsed.Magics)
        {
            try
            {
                await Magics.ExecuteAsync(text, this, context.Stop);
            }
            catch (Exception e) when (context.Stop.IsCancellationRequested && e is OperationCanceledException or CellInterruptedException)
            {
                return Interrupted(context, name, line);
            }
            catch (Exception e)
            {
                return CellErrors.FromMagic(e, name, line, text);
            }
        }

        if (!parsed.HasCode) return null;
        try
        {
            var options = SubmissionOptions(name);
            var script = context.State.Script.ContinueWith(LoopCheckpoints.Instrument(parsed.Code), options);
            if (script.Compile(context.Stop).Any(IsError))
            {
                // Report positions in the code as written; instrumentation never adds errors to valid code, but if it
                // did, the code is run as written (without loop checkpoints).
                script = context.State.Script.ContinueWith(parsed.Code, options);
                var diagnostics = script.Compile(context.Stop);
                if (diagnostics.Any(IsError)) return CellErrors.FromDiagnostics(diagnostics, name, parsed.MisplacedMagicLine);
            }

            var state = await script.RunFromAsync(context.State, catchException: _ => true, CancellationToken.None);
            context.State = state;
            switch (state.Exception)
            {
                case null:
                    break;
                case CellInterruptedException or OperationCanceledException when context.Stop.IsCancellationRequested:
                    return Interrupted(context, name, CellErrors.InnermostCellLine(state.Exception, _cellNamesByPath));
                default:
                    return CellErrors.FromException(state.Exception, _cellNamesByPath);
            }

            // A cell ending in display(x) without a semicolon returns the handle: the value is already shown.
            if (state.ReturnValue is { } value and not DisplayHandle) context.Outputs.Add(new DisplayDataOutput(Formatters.Format(value), count));
            return null;
        }
        catch (Exception e) when (context.Stop.IsCancellationRequested && e is OperationCanceledException or CellInterruptedException)
        {
            return Interrupted(context, name, null);
        }
        catch (Exception e)
        {
            return CellErrors.FromException(e, _cellNamesByPath);
        }
    }

    private static ErrorOutput Interrupted(CellContext context, string name, int? line)
    {
        var where = line is { } l ? $" at line {l}" : "";
        return CellErrors.Stopped(context.StopKind, $"{context.StopReason} and was stopped{where}.", name, line);
    }

    private static bool IsError(Diagnostic diagnostic) => diagnostic.Severity == DiagnosticSeverity.Error;
}
