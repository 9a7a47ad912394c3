using LlmLab.Notebooks.Execution;
using LlmLab.Notebooks.Kernel;
using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks;

/// <summary>
/// The <c>llmlab run</c> command: <c>run NOTEBOOK [--output OUT.ipynb] [--html OUT.html] [-p name=value ...]
/// [--continue-on-error] [--timeout DURATION]</c>. The CLI passes the words after <c>run</c>.
/// </summary>
public static class RunCommand
{
    /// <summary>How the command is shown in help and messages.</summary>
    public const string Invocation = "llmlab run";

    /// <summary>Options and arguments of <c>llmlab run</c>.</summary>
    public static CommandSyntax Syntax { get; } = new("run", "Runs a .dib or .ipynb notebook and writes it back with its outputs, optionally as an HTML report.")
    {
        Options =
        [
            new MagicOption("output", "Executed notebook to write (default: NAME.executed.ipynb beside the notebook)") { ShortName = 'o', ValueName = "OUT.ipynb" },
            new MagicOption("html", "Self-contained HTML report to write") { ValueName = "OUT.html" },
            new MagicOption("parameter", "Variable defined before the first cell, typed by its value (int, double, bool, string)") { ShortName = 'p', ValueName = "name=value", IsRepeatable = true },
            new MagicOption("continue-on-error", "Run the remaining cells after one fails (the exit code is still 1)") { IsFlag = true },
            new MagicOption("timeout", "Time limit of each cell, e.g. 90s, 10m, 1h or none (a cell past it fails; Ctrl-C stops the running cell)") { ValueName = "DURATION", DefaultValue = "10m" },
        ],
        Arguments = [new MagicArgument("notebook", "The notebook to run (.dib or .ipynb)")],
    };

    /// <summary>Parses the arguments, runs the notebook, and returns the exit code.</summary>
    /// <param name="args">The words after <c>run</c>.</param>
    /// <param name="stdout">Receives progress and help.</param>
    /// <param name="stderr">Receives usage errors.</param>
    /// <param name="kernel">
    /// How to start the LlmLab kernel process that runs the cells (the CLI passes its own command), so a cell that
    /// exits, overflows the stack or hangs fails alone; null runs the cells in this process.
    /// </param>
    /// <returns>0 when every cell succeeded; 1 when a cell failed or the notebook cannot be read; 2 for a wrong command line.</returns>
    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, KernelLaunch? kernel = null)
    {
        NotebookRunOptions options;
        try
        {
            var values = MagicOptionParser.Parse(Syntax, args, Invocation);
            if (values.HelpRequested)
            {
                await stdout.WriteLineAsync(Syntax.Usage(Invocation));
                return NotebookRunner.ExitSucceeded;
            }

            options = new NotebookRunOptions(values.GetString("notebook")!)
            {
                OutputPath = values.GetString("output"),
                HtmlPath = values.GetString("html"),
                Parameters = values.GetAll("parameter").Select(NotebookParameter.Parse).ToArray(),
                ContinueOnError = values.GetFlag("continue-on-error"),
                CellTimeout = values.GetString("timeout") is { } timeout ? DurationText.Parse(timeout, "--timeout") : NotebookRunOptions.DefaultCellTimeout,
                Kernel = kernel,
            };
        }
        catch (InvalidOptionException e)
        {
            // The parser's messages start with the invocation (`llmlab run: …`); NotebookParameter's do not.
            var prefix = e.Message.StartsWith(Invocation + ":", StringComparison.Ordinal) ? "" : Invocation + ": ";
            await stderr.WriteLineAsync(prefix + e.Message);
            return NotebookRunner.ExitInvalidCommandLine;
        }

        // Ctrl-C stops the running cell (an interrupt to the kernel) and the run, which still writes its results;
        // a second Ctrl-C ends the process as usual.
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            stdout.WriteLine("Interrupted: stopping the running cell and writing the results (Ctrl-C again to quit at once).");
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var result = await NotebookRunner.RunAsync(options, stdout, interrupt.Token);
            if (result.ErrorMessage is { } message) await stderr.WriteLineAsync($"{Invocation}: {message}");
            return result.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"{Invocation}: cannot write the results: {e.Message}");
            return NotebookRunner.ExitInvalidInput;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
