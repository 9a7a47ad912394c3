using System.Diagnostics;
using System.Globalization;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Kernel;
using LlmLab.Notebooks.Reports;
using LlmLab.Reproducibility;

namespace LlmLab.Notebooks;

/// <summary>
/// Runs a <c>.dib</c> or <c>.ipynb</c> notebook top to bottom, in an LlmLab kernel process it drives
/// (<see cref="NotebookRunOptions.Kernel"/>) or in one <see cref="NotebookSession"/> of its own, writes the executed notebook (with outputs, openable in VS Code and Jupyter) and optionally a self-contained HTML report,
/// and reports progress per cell. Results are written even when a cell fails, so the failure can be read.
/// </summary>
public static class NotebookRunner
{
    /// <summary>Exit code of a run where every code cell succeeded.</summary>
    public const int ExitSucceeded = 0;

    /// <summary>
    /// Exit code when the notebook (a data file) is at fault: it cannot be read, or an output cannot be written. The
    /// same code as a failed cell, so that 2 keeps one meaning for every <c>llmlab</c> command: a wrong command line.
    /// </summary>
    public const int ExitInvalidInput = 1;

    /// <summary>Exit code of a run where a cell failed (exception, compilation error, magic error, time limit).</summary>
    public const int ExitCellFailed = 1;

    /// <summary>Exit code of <c>llmlab run</c> with a wrong command line (unknown option, missing notebook, malformed -p).</summary>
    public const int ExitInvalidCommandLine = 2;

    /// <summary>Runs the notebook.</summary>
    /// <param name="options">Input, outputs, parameters, error and time-limit policy.</param>
    /// <param name="progress">Receives one line per cell and the paths written.</param>
    /// <param name="cancellationToken">Stops the running cell (as a failure) and the run; results are still written.</param>
    public static async Task<NotebookRunResult> RunAsync(NotebookRunOptions options, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var outputPath = options.OutputPath ?? options.DefaultOutputPath;
        NotebookDocument document;
        ICellHost host;
        try
        {
            if (!outputPath.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOptionException($"The executed notebook is written as .ipynb; '{outputPath}' has another extension.");
            }

            document = NotebookFile.Load(options.InputPath);
            host = options.Kernel is { } kernel
                ? await KernelCellHost.StartAsync(kernel, options, progress, cancellationToken)
                : await SessionCellHost.StartAsync(options, cancellationToken);
        }
        catch (InvalidOptionException e)
        {
            return new NotebookRunResult(ExitInvalidCommandLine, []) { ErrorMessage = e.Message, Duration = clock.Elapsed };
        }
        catch (LlmLabException e)
        {
            return new NotebookRunResult(ExitInvalidInput, []) { ErrorMessage = e.Message, Duration = clock.Elapsed };
        }

        // Read before the first cell, so GPU clocks and memory describe the machine as the study found it.
        var environment = EnvironmentFingerprint.Capture();
        var loadsBefore = LoadedCheckpoints.Count;
        var codeCells = document.Cells.Count(IsCode);
        await progress.WriteLineAsync($"Running {options.InputPath}: {Plural(document.Cells.Count, "cell")}, {codeCells} to run");
        var cells = document.Cells.ToArray();
        var reports = new List<CellRunReport>(cells.Length);
        var stoppedAfter = (int?)null;
        await using (host)
        {
            for (var i = 0; i < cells.Length; i++)
            {
                var cell = cells[i];
                var number = i + 1;
                if (!IsCode(cell))
                {
                    reports.Add(new CellRunReport(number, cell.Language, CellRunStatus.Skipped, null, null));
                    continue;
                }

                if (stoppedAfter is not null || cancellationToken.IsCancellationRequested)
                {
                    cells[i] = cell with { Outputs = [], ExecutionCount = null, Timing = null };
                    reports.Add(new CellRunReport(number, cell.Language, CellRunStatus.NotRun, null, null));
                    continue;
                }

                var report = await RunCellAsync(host, cell, number, cancellationToken);
                cells[i] = report.Cell;
                reports.Add(report.Report);
                await progress.WriteLineAsync(ProgressLine(report.Report, cells.Length));
                if (report.Report.Status == CellRunStatus.Failed && !options.ContinueOnError) stoppedAfter = number;
            }
        }

        document = document with { Cells = cells };

        var failed = reports.Count(r => r.Status == CellRunStatus.Failed);
        if (stoppedAfter is { } stop)
        {
            var notRun = reports.Count(r => r.Status == CellRunStatus.NotRun);
            await progress.WriteLineAsync($"Stopped after cell {stop} failed; {Plural(notRun, "code cell")} not run (--continue-on-error runs them).");
        }

        var provenance = StudyProvenance.Of(document, environment, LoadedCheckpoints.Since(loadsBefore));
        document = provenance.AddTo(document);
        NotebookFile.Save(document, outputPath);
        await progress.WriteLineAsync($"Wrote {outputPath}");
        if (options.HtmlPath is { } htmlPath)
        {
            var header = new ReportHeader(Path.GetFileName(options.InputPath))
            {
                Source = options.InputPath,
                Generated = DateTimeOffset.UtcNow,
                Parameters = options.Parameters.Select(p => KeyValuePair.Create(p.Name, Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "")).ToArray(),
                Provenance = provenance,
            };
            HtmlReport.Save(document, header, htmlPath);
            await progress.WriteLineAsync($"Wrote {htmlPath}");
        }

        var exitCode = failed == 0 ? ExitSucceeded : ExitCellFailed;
        await progress.WriteLineAsync(failed == 0
            ? $"All {Plural(codeCells, "code cell")} succeeded in {DurationText.Of(clock.Elapsed)}."
            : $"{failed} of {Plural(codeCells, "code cell")} failed.");
        return new NotebookRunResult(exitCode, reports)
        {
            Document = document,
            OutputPath = outputPath,
            HtmlPath = options.HtmlPath,
            Duration = clock.Elapsed,
        };
    }

    private static async Task<(NotebookCell Cell, CellRunReport Report)> RunCellAsync(ICellHost host, NotebookCell cell, int number, CancellationToken cancellationToken)
    {
        var name = $"cell {number}";
        if (!cell.IsCSharp)
        {
            var now = DateTimeOffset.UtcNow;
            var error = new ErrorOutput("UnsupportedLanguage",
                $"{name} is written in '{cell.Language}'; LlmLab runs C# cells only. Port the cell to C#, or run the notebook in Polyglot Notebooks.", []);
            var timing = new CellTiming(now, now);
            return (cell with { Outputs = [error], ExecutionCount = null, Timing = timing },
                new CellRunReport(number, cell.Language, CellRunStatus.Failed, timing, error));
        }

        var execution = await host.ExecuteAsync(cell.Source, name, cancellationToken);
        var status = execution.Succeeded ? CellRunStatus.Succeeded : CellRunStatus.Failed;
        return (cell with { Outputs = execution.Outputs, ExecutionCount = execution.ExecutionCount, Timing = execution.Timing },
            new CellRunReport(number, cell.Language, status, execution.Timing, execution.Error));
    }

    private static string ProgressLine(CellRunReport report, int total)
    {
        var head = $"[{report.Number}/{total}] cell {report.Number} ({report.Language})";
        var took = report.Timing is { } t ? DurationText.Of(t.Duration) : "";
        return report.Error is { } error
            ? $"{head} FAILED after {took}: {error.Name}: {FirstLine(error.Message)}"
            : $"{head} ok, {took}";
    }

    private static bool IsCode(NotebookCell cell) => !cell.IsMarkdown && cell.Language != CellLanguages.Raw;

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
