using System.Globalization;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Execution;

namespace LlmLab.Notebooks.Kernel;

/// <summary>
/// Cells run in an LlmLab kernel process that the runner drives (<c>llmlab run</c>): one process per run, started
/// again when a cell ended it (the cell gets a KernelDied error; later cells run in the new process, without the
/// state of earlier ones).
/// </summary>
internal sealed class KernelCellHost : ICellHost
{
    private readonly KernelLaunch _launch;
    private readonly NotebookRunOptions _options;
    private readonly TextWriter _progress;
    private KernelClient? _client;
    private string? _endedIn;

    private KernelCellHost(KernelLaunch launch, NotebookRunOptions options, TextWriter progress, KernelClient client)
    {
        _launch = launch;
        _options = options;
        _progress = progress;
        _client = client;
    }

    /// <summary>Starts the run's kernel process.</summary>
    /// <exception cref="KernelStartException">It could not start or did not answer.</exception>
    public static async Task<KernelCellHost> StartAsync(KernelLaunch launch, NotebookRunOptions options, TextWriter progress, CancellationToken cancellationToken) =>
        new(launch, options, progress, await KernelClient.StartAsync(launch, KernelOptions(options), cancellationToken));

    public async Task<CellExecution> ExecuteAsync(string source, string cellName, CancellationToken cancellationToken)
    {
        if (_client is null || _client.HasExited)
        {
            var now = DateTimeOffset.UtcNow;
            try
            {
                if (_client is not null) await _client.DisposeAsync();
                _client = null;
                await _progress.WriteLineAsync($"Starting a new kernel for {cellName} (the previous one ended in {_endedIn}).");
                _client = await KernelClient.StartAsync(_launch, KernelOptions(_options), cancellationToken);
            }
            catch (Exception e) when (e is KernelStartException or OperationCanceledException)
            {
                return new CellExecution(0, [new ErrorOutput("KernelStartFailed", $"{cellName} did not run: a new kernel could not be started: {e.Message}", [])],
                    new CellTiming(now, DateTimeOffset.UtcNow));
            }
        }

        var execution = await _client.ExecuteAsync(source, cellName, _options.CellTimeout, cancellationToken);
        if (_client.HasExited) _endedIn = cellName;
        return execution;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
    }

    /// <summary>The kernel's options for this run: its parameters, the cell time limit and the notebook's folder.</summary>
    internal static IReadOnlyList<string> KernelOptions(NotebookRunOptions options)
    {
        var arguments = new List<string> { "--notebook-dir", options.NotebookDirectory };
        if (options.CellTimeout != Timeout.InfiniteTimeSpan)
        {
            arguments.AddRange(["--timeout", options.CellTimeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture) + "s"]);
        }

        foreach (var parameter in options.Parameters) arguments.AddRange(["-p", Assignment(parameter)]);
        return arguments;
    }

    /// <summary><c>name=value</c> that <see cref="NotebookParameter.Parse"/> reads back as the same value and type.</summary>
    internal static string Assignment(NotebookParameter parameter) => parameter.Name + "=" + parameter.Value switch
    {
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        double number => WithDecimalPoint(number.ToString("R", CultureInfo.InvariantCulture)),
        IFormattable value => value.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    // 3.0 prints as "3", which would come back as an int.
    private static string WithDecimalPoint(string number) => number.Any(c => c is '.' or 'E' or 'e' || char.IsLetter(c)) ? number : number + ".0";
}
